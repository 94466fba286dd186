"""What every model view of the platform shares: a capped page size and the data scope."""
from __future__ import annotations

import copy
import datetime
import enum
from operator import attrgetter

from flask import abort, current_app, flash, g, has_request_context, request, url_for
from markupsafe import Markup, escape
from flask_appbuilder import expose
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf
from flask_appbuilder import ModelView
from flask_appbuilder.widgets import ListWidget as FabListWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface

from sqlalchemy import false

from app.domain import DomainError, lifecycle
from app.domain.scope import Actor, Audience, declaration_scope
from app.extensions import db
from app.web.ids import is_id
from app.web.numbers import number_validators
from app.web.refusals import flash_refusal
from app.security import roles


def display(value):
    """How a clerk expects a cell: blank for nothing, 是/否, dates without microseconds, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return value


class ListDefaults:
    """Shared by every list: at most 100 rows a page (FAB takes psize_<view> from the URL unbounded),
    and `display` for every column that has no formatter of its own. The FAB internals it overrides or uses are
    declared in app/framework_internals.py."""

    page_size = 25
    max_page_size = 100

    def __init__(self, **kwargs):
        if getattr(self, "datamodel", None) is not None:  # every number of FAB's add/edit forms fits its column
            generated = number_validators(self.datamodel.obj)
            given = self.validators_columns or {}
            self.validators_columns = {**given, **{name: [*checks, *given.get(name, [])]
                                                   for name, checks in generated.items()}}
        super().__init__(**kwargs)
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        self.formatters_columns = {**{c: display for c in columns}, **(self.formatters_columns or {})}

    @property
    def _filters(self):
        """The search filters of this request. FAB keeps one Filters on the view, which is shared by every request
        and thread, and refills it from each request's arguments: under a threaded server one request's search
        would be applied to another's list. Each request gets its own copy of the view's empty filters."""
        template = self.__dict__.get("_filters_template")
        if template is None or not has_request_context():
            return template
        own = request._get_current_object().__dict__.setdefault("platform_filters", {})
        if id(self) not in own:
            copied = copy.copy(template)
            copied.clear_filters()  # fresh lists, not the template's
            own[id(self)] = copied
        return own[id(self)]

    @_filters.setter
    def _filters(self, filters):
        self.__dict__["_filters_template"] = filters

    def _get_list_widget(self, filters, page_size=None, page=None, **kwargs):
        """A page beyond the last shows the last (app.views.bounds keeps the number itself in range)."""
        page_size = min(max(int(page_size or self.page_size), 1), self.max_page_size)
        widgets = super()._get_list_widget(filters, page_size=page_size, page=page, **kwargs)
        count = widgets["list"].template_args["count"]
        if page and page * page_size >= count:
            last = max(count - 1, 0) // page_size
            widgets = super()._get_list_widget(filters, page_size=page_size, page=last, **kwargs)
        return widgets

    def _scoped_rows(self, name: str, pks: list[str]):
        """The action `name` and the rows it is to run on, each read again through the view's scope (its base
        filters): FAB loads them by id alone. No permission: 403; an unknown action or a row outside: 404."""
        action_ = self.actions.get(name)
        if action_ is None or not self.appbuilder.sm.has_access(
                self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        scope = getattr(self, "_scope_filters", self._base_filters)
        items = [self.datamodel.get(self._deserialize_pk_if_composite(pk), scope) if is_id(pk) else None
                 for pk in pks]
        if not items or any(item is None for item in items):
            abort(404)
        return action_, items

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """Every selected row through the scope; a row outside it ends the request with 404, changing nothing."""
        action_, items = self._scoped_rows(request.form.get("action", ""), request.form.getlist("rowid"))
        return action_.func(items if action_.multiple else items[0])

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        """FAB's single-row action, through the scope like `action_post` (app.views.bounds has already
        answered 404 for an unknown or bulk-only name). POST only: a GET would be a link that acts."""
        action_, items = self._scoped_rows(name, [pk])
        return action_.func(items if action_.multiple else items[0])


class ColumnFilterConverter(SQLAFilterConverter):
    """FAB builds every column's possible filters three times a list request (the search form, the joined
    and the inner filters); they depend on the model alone, so each model's are built once. Callers get
    their own list, as FAB extends it with a view's search filters."""

    def convert(self, col_name):
        known = self.datamodel.column_filters
        if col_name not in known:
            known[col_name] = super().convert(col_name)
        return None if known[col_name] is None else list(known[col_name])


class PlatformInterface(SQLAInterface):
    """FAB's model interface, reading each list cell once (FAB probes every cell with hasattr and getattr,
    which evaluates a property column three times per row) and converting each column's filters once."""

    filter_converter_class = ColumnFilterConverter

    def __init__(self, obj, session=None):
        super().__init__(obj, session)
        self.column_filters = {}

    def get_values(self, lst, list_columns):
        getters = [(column, attrgetter(column)) for column in list_columns]
        for item in lst:
            values = {}
            for column, get in getters:
                try:
                    value = get(item)
                except AttributeError:  # a dotted column through an empty relation, shown blank as FAB does
                    value = ""
                else:
                    if callable(value):
                        value = value()
                    elif isinstance(value, enum.Enum):
                        value = value.value
                values[column] = value
            yield values


class ListWidget(FabListWidget):
    """FAB's list table, its rows built here rather than cell by cell in Jinja: the 操作 column's buttons from
    a few URL templates per page (FAB builds, filters and checks a URL and renders a macro for every row),
    each column's formatter looked up once. Cells are escaped as Jinja would escape them."""

    template = "widgets/list.html"

    def __call__(self, **kwargs):
        args = {**self.template_args, **kwargs}
        return super().__call__(rows_html=Markup("").join(self._rows(args)))

    @staticmethod
    def _rows(args):
        columns = args["include_columns"]
        formatters = [args["formatters_columns"].get(column) for column in columns]
        operations = RowOperations(args["modelview_name"])
        check = ('<td><input id="{pk}" class="action_check" name="rowid" value="{pk}" type="checkbox" '
                 f'aria-label="{escape(gettext("选择此行"))}"></td>'
                 if current_app.jinja_env.filters["get_actions_on_list"](args["actions"], args["modelview_name"])
                 else "")

        def cell(formatter, value):
            return f"<td>{escape(formatter(value) if formatter else value)}</td>"

        seen = {}  # (column, value): its cell; statuses, steps and batches repeat down a page
        for pk, item in zip(args["pks"], args["value_columns"]):
            pk = escape(pk)
            cells = [check.format(pk=pk)]
            for column, formatter in zip(columns, formatters):
                value = item[column]
                try:
                    cells.append(seen[column, value])
                except KeyError:
                    cells.append(seen.setdefault((column, value), cell(formatter, value)))
                except TypeError:  # an unhashable value (a list)
                    cells.append(cell(formatter, value))
            if operations:
                cells.append(operations.cell(pk, item))
            yield Markup(f"<tr>{''.join(cells)}</tr>")


class RowOperations:
    """A list's 操作 column, as the manual draws it: labelled buttons, derived from the row's status alone so a
    page costs the same statements whatever its size. Every view: 查看; declaration lists: 申报书; the applicant's
    lists also 填写, 删除 and 取消上报 in the statuses the lifecycle starts them from. The lifecycle still decides
    on the server and says why when it refuses."""

    POST_BUTTONS = ("delete", "withdraw")  # transitions started from a list row, each asking for confirmation

    def __init__(self, view_name: str):
        visible = current_app.jinja_env.filters["is_item_visible"]
        view = next((v for v in current_app.appbuilder.baseviews if v.__class__.__name__ == view_name), None)
        applicant = getattr(view, "audience", None) is Audience.APPLICANT

        def may(method: str) -> bool:
            return f"{view_name}.{method}" in current_app.view_functions and visible(f"can_{method}", view_name)

        def route(method: str) -> str | None:
            return escape(url_for(f"{view_name}.{method}", pk=0)[:-1]) + "{pk}" if may(method) else None

        self.show, self.dossier = route("show"), route("dossier")
        self.edit = route("edit_content") if applicant else None
        self.transitions = []
        if applicant and may("transition"):
            token = escape(generate_csrf())
            for name in self.POST_BUTTONS:
                action = url_for(f"{view_name}.transition", pk=0, name=name).replace("/0/", "/{pk}/")
                self.transitions.append((lifecycle.TRANSITIONS[name], escape(action), token))

    def __bool__(self):
        return self.show is not None

    def cell(self, pk, item: dict) -> str:
        status = item.get("status")
        buttons = [f'<a class="btn btn-sm btn-default" href="{self.show.replace("{pk}", pk)}">'
                   f'<i class="fa fa-eye" aria-hidden="true"></i> {escape(gettext("查看"))}</a>']
        if self.dossier:
            buttons.append(f'<a class="btn btn-sm btn-default" href="{self.dossier.replace("{pk}", pk)}">'
                           f'<i class="fa fa-file-text-o" aria-hidden="true"></i> {escape(gettext("申报书"))}</a>')
        if self.edit and status in lifecycle.EDITABLE:
            buttons.append(f'<a class="btn btn-sm btn-primary" href="{self.edit.replace("{pk}", pk)}">'
                           f'<i class="fa fa-pencil" aria-hidden="true"></i> {escape(gettext("填写"))}</a>')
        for transition, action, token in self.transitions:
            if status not in transition.sources:
                continue
            label = gettext(transition.label)
            confirm = "\n".join((gettext("%(action)s：%(name)s", action=label, name=self._name(pk, item)),
                                  gettext(transition.confirm)))
            style = "btn-danger" if transition.name == "delete" else "btn-warning"
            buttons.append(
                f'<form method="post" action="{action.replace("{pk}", pk)}" data-confirm="{escape(confirm)}">'
                f'<input type="hidden" name="csrf_token" value="{token}">'
                f'<button class="btn btn-sm {style}" type="submit">{escape(label)}</button></form>')
        return f'<td class="row-operations">{"".join(buttons)}</td>'

    @staticmethod
    def _name(pk, item: dict) -> str:
        """How a confirmation names the row: its 申报名称 or unit, and its number."""
        name = item.get("title") or item.get("unit_name") or ""
        return gettext("%(name)s（编号 %(id)s）", name=name, id=pk) if name else gettext("编号 %(id)s", id=pk)


class PlatformModelView(ListDefaults, ModelView):
    """The base of every model view of the platform. Views with edit or delete keep FAB's own list widget,
    which draws those buttons; ours draws the 操作 column (RowOperations)."""

    list_widget = ListWidget


def form_text(name: str) -> str:
    """A posted text field, without the NUL bytes PostgreSQL refuses."""
    return request.form.get(name, "").replace("\x00", "")


def submitted_form() -> dict:
    """A posted form definition's fields (`f|section|field`…) in the nested shape `forms.clean()` takes: a field
    posted several times (the boxes of a multiple choice) as the list of its values."""
    from app.domain import forms

    return forms.unflatten({key: (request.form.getlist(key) if len(request.form.getlist(key)) > 1
                                  else request.form.get(key)) for key in request.form})


def commit_or_flash(change, done: str) -> bool:
    """Run a domain change and commit it, flashing `done`; a refusal rolls back and flashes its reason."""
    try:
        change()
        db.session.commit()
    except DomainError as refused:
        db.session.rollback()
        flash_refusal(refused)
        return False
    flash(done, "success")
    return True


def audience_of(user) -> Audience | None:
    """The audience a user's role acts in, for pages and APIs shared by every role."""
    names = {role.name for role in user.roles}
    if names & {roles.REVIEWER, roles.MINISTRY, roles.ASSOCIATION}:
        return Audience.REVIEWER
    if roles.AGENCY in names:
        return Audience.AGENCY
    if names & {roles.ENTERPRISE, roles.PARK, roles.INSTITUTE}:
        return Audience.APPLICANT
    return None


class DeclarationScope(BaseFilter):
    """Restricts a declaration query to what the current user may see, as the filter's audience
    (or, without one, as the audience of the user's role)."""

    name = "数据范围"

    def apply(self, query, value: Audience | None):
        audience = value or audience_of(g.user)
        if audience is None:
            return query.filter(false())
        return query.filter(declaration_scope(Actor.of(g.user), audience))
