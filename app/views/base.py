"""What every model view of the platform shares: a capped page size and the data scope."""
from __future__ import annotations

import datetime
import enum
import io
import tempfile
from operator import attrgetter

from flask import abort, current_app, flash, g, request, send_file, url_for
from markupsafe import Markup, escape
from flask_appbuilder import expose
from flask_babel import gettext
from flask_appbuilder import ModelView
from flask_appbuilder.widgets import ListWidget as FabListWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface

from sqlalchemy import false

from app.domain import DomainError, workbook
from app.domain.scope import Actor, Audience, declaration_scope
from app.extensions import db
from app.storage import path_of
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
    and `display` for every column that has no formatter of its own."""

    page_size = 25
    max_page_size = 100

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        self.formatters_columns = {**{c: display for c in columns}, **(self.formatters_columns or {})}

    def _get_list_widget(self, filters, page_size=None, **kwargs):
        page_size = min(max(int(page_size or self.page_size), 1), self.max_page_size)
        return super()._get_list_widget(filters, page_size=page_size, **kwargs)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB loads the selected rows by id alone; here every one is read again through the view's
        scope (its base filters), and a row outside it ends the request with 404, changing nothing."""
        name = request.form.get("action", "")
        action_ = self.actions.get(name)
        if action_ is None or not self.appbuilder.sm.has_access(
                self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        scope = getattr(self, "_scope_filters", self._base_filters)
        items = [self.datamodel.get(self._deserialize_pk_if_composite(pk), scope)
                 for pk in request.form.getlist("rowid")]
        if not items or any(item is None for item in items):
            abort(404)
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
    """FAB's list table, its rows built here rather than cell by cell in Jinja: the 查看 link from one URL
    per page (FAB builds, filters and checks a URL and renders a macro for every row), each column's
    formatter looked up once. Cells are escaped as Jinja would escape them."""

    template = "widgets/list.html"

    def __call__(self, **kwargs):
        args = {**self.template_args, **kwargs}
        return super().__call__(rows_html=Markup("").join(self._rows(args)))

    @staticmethod
    def _rows(args):
        columns = args["include_columns"]
        formatters = [args["formatters_columns"].get(column) for column in columns]
        filters, name = current_app.jinja_env.filters, args["modelview_name"]  # the checks FAB's template makes
        show = ""
        if filters["is_item_visible"]("can_show", name):
            base = escape(url_for(f"{args['modelview_name']}.show", pk=0)[:-1])
            show = (f'<td><center><div class="btn-group btn-group-xs" style="display: flex;"><a href="{base}{{pk}}" '
                    f'class="btn btn-sm btn-default" data-toggle="tooltip" rel="tooltip" '
                    f'title="{escape(gettext("Show record"))}"><span class="sr-only">{escape(gettext("Show"))}</span>'
                    f'<i class="fa fa-search"></i></a></div></center></td>')
        check = ('<td><input id="{pk}" class="action_check" name="rowid" value="{pk}" type="checkbox"></td>'
                 if filters["get_actions_on_list"](args["actions"], name) else "")
        def cell(formatter, value):
            return f"<td>{escape(formatter(value) if formatter else value)}</td>"

        seen = {}  # (column, value): its cell; statuses, steps and batches repeat down a page
        for pk, item in zip(args["pks"], args["value_columns"]):
            pk = escape(pk)
            cells = [check.format(pk=pk), show.replace("{pk}", pk)]
            for column, formatter in zip(columns, formatters):
                value = item[column]
                try:
                    cells.append(seen[column, value])
                except KeyError:
                    cells.append(seen.setdefault((column, value), cell(formatter, value)))
                except TypeError:  # an unhashable value (a list)
                    cells.append(cell(formatter, value))
            yield Markup(f"<tr>{''.join(cells)}</tr>")


class PlatformModelView(ListDefaults, ModelView):
    """The base of every model view of the platform. Views with edit or delete keep FAB's own list widget,
    which draws those buttons; ours only draws 查看."""

    list_widget = ListWidget


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(name: str, data: bytes):
    """A workbook already in memory as an xlsx download."""
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX)


def xlsx_rows(name: str, sheet: str, header: list[str], rows, widths: list[float] | None = None):
    """Rows as an xlsx download, streamed in openpyxl's write-only mode to a temporary file, so memory stays
    flat however many rows there are (formulas neutralised by `workbook.write_rows`)."""
    handle = tempfile.TemporaryFile()
    workbook.write_rows(handle, sheet, header, rows, widths)
    handle.seek(0)
    return send_file(handle, as_attachment=True, download_name=name, mimetype=XLSX)


def attachment_download(attachment):
    """A stored file as a download under its original name, never rendered inline; 404 when it is gone."""
    try:
        response = send_file(path_of(attachment), mimetype=attachment.content_type, as_attachment=True,
                             download_name=attachment.original_name)
    except (FileNotFoundError, ValueError):
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def form_text(name: str) -> str:
    """A posted text field, without the NUL bytes PostgreSQL refuses."""
    return request.form.get(name, "").replace("\x00", "")


def translated_parts(label: str) -> str:
    """A label made of messages joined by " · " (a package's 已上传推荐函 · 未提交汇总表), translated part by part."""
    return " · ".join(gettext(part) for part in label.split(" · ")) if label else ""


def say(refused: DomainError) -> str:
    """A refusal in the user's language: translated first, formatted with its values afterwards."""
    return refused.translated(gettext)


def commit_or_flash(change, done: str) -> bool:
    """Run a domain change and commit it, flashing `done`; a refusal rolls back and flashes its reason."""
    try:
        change()
        db.session.commit()
    except DomainError as refused:
        db.session.rollback()
        flash(say(refused), "danger")
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
