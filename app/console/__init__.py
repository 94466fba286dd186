"""The configuration console for ministry IT staff: Flask-Admin at /console, behind the platform's login.

Only the 系统管理员 role reaches it: anonymous users are sent to the login page, other roles get 403.
Every change made here is written to the audit log (ConfigChange) with its values before and after.
"""
from __future__ import annotations

import datetime
import enum
import math

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter, FilterEqual
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.form import converts
from flask_admin.model import typefmt
from flask_babel import get_locale, gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from wtforms import SelectMultipleField, ValidationError
from wtforms.validators import Optional

from app import clock
from app.console.audit import ACTIONS, AuditVocabulary
from app.vocabulary import Channel, N_, SignInKind
from app.extensions import db
from app.models import (
    Authority,
    AuthorityKind,
    Batch,
    BatchWindow,
    ConfigChange,
    DeclarationType,
    FormDefinition,
    GreenCodeShare,
    Industry,
    Organization,
    OrgType,
    Region,
    SignInEvent,
    SiteSetting,
    Subsystem,
)
from app.domain import DomainError, in_language, reference_data
from app.domain import agency as agencies
from app.domain.scope import Actor
from app.domain import catalog, forms, tiers, workbook
from app.domain.numbers import INTEGER_MAX
from app.domain.sign_in import DETAILS
from app.security import roles
from app.web.ids import is_id
from app.web.language import say
from app.web.numbers import FitsColumn


def is_it_staff() -> bool:
    return current_user.is_authenticated and any(r.name == roles.ADMIN for r in current_user.roles)


class Guarded:
    """Access for IT staff only; everyone else is sent to the login page or refused."""

    def is_accessible(self):
        return is_it_staff()

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("LoginView.login", next=request.full_path))
        abort(403)

    def render(self, template, **kwargs):
        """Flask-Admin's base page has no `lang` on <html>, and no block to give it one."""
        page = super().render(template, **kwargs)
        return page.replace("<html>", f'<html lang="{"en" if str(get_locale()) == "en" else "zh-CN"}">', 1)


class ConsoleHome(Guarded, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("console/index.html")


# The rows a console form edits together with its parent (inline), audited as part of the parent's values.
AUDITED_CHILDREN = {"batch": "windows"}


def _snapshot(model) -> dict:
    """Column values as JSON-able text, for the audit log; a batch's windows under "windows"."""
    state = sa_inspect(model)
    values = {attr.key: _plain(attr.value) for attr in state.attrs if attr.key in state.mapper.columns}
    children = AUDITED_CHILDREN.get(model.__tablename__)
    if children:
        values[children] = [_snapshot(child) for child in getattr(model, children)]
    return values


def _before(model) -> dict:
    """The values as they were before this request's form changed them, children included."""
    state = sa_inspect(model)
    values = {}
    for attr in state.attrs:
        if attr.key not in state.mapper.columns:
            continue
        history = attr.history
        values[attr.key] = _plain(history.deleted[0] if history.deleted else attr.value)
    children = AUDITED_CHILDREN.get(model.__tablename__)
    if children:
        history = state.attrs[children].history
        values[children] = [_before(child) for child in (*history.unchanged, *history.deleted)
                            if sa_inspect(child).persistent]
    return values


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str, bool, list, dict)):
        return value
    return str(value)


def record(action: str, model, before: dict | None, after: dict | None) -> None:
    db.session.add(ConfigChange(
        user_id=current_user.id, username=current_user.username, table_name=model.__tablename__,
        row_id=str(sa_inspect(model).identity[0]) if sa_inspect(model).identity else None,
        action=action, before=before, after=after,
    ))


class ConsoleForm(FlaskForm):
    """Flask-WTF's form (its CSRF token is the one the app-wide CSRFProtect checks), keeping the edited
    object as Flask-Admin's own base form does, so that its uniqueness checks skip the row itself."""

    def __init__(self, formdata=None, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


def labelled_enums(model) -> dict[str, type[enum.Enum]]:
    """The model's columns stored as an enum whose members have a Chinese `label`."""
    found = {}
    for attr in sa_inspect(model).column_attrs:
        enum_cls = getattr(attr.columns[0].type, "enum_class", None)
        if enum_cls is not None and isinstance(getattr(enum_cls, "label", None), property):
            found[attr.key] = enum_cls
    return found


def lazy(labels: dict | None) -> dict:
    """Labels written as message ids (N_), translated when a page shows them."""
    return {key: _l(label) for key, label in (labels or {}).items()}


def enum_choices(enum_cls) -> list[tuple[str, str]]:
    return [(member.value, _l(member.label)) for member in enum_cls]


def yes_no(view, value, name=None) -> str:
    return gettext("是") if value else gettext("否")


def _bool_icon(view, value, name=None):
    icon = "fa-check-circle glyphicon-ok-circle" if value else "fa-minus-circle glyphicon-minus-sign"
    return Markup(f'<span class="fa {icon} glyphicon" title="{yes_no(view, value)}"></span>')


class ConsoleConverter(AdminModelConverter):
    """Flask-Admin's converter, with a visible text for "none" in relation selects (WTForms shows the
    option's value, `__None`, when the label is empty), and every number checked against its column."""

    @converts("Integer")
    def handle_integer_types(self, column, field_args, **extra):
        field_args["validators"].insert(0, FitsColumn(column))
        return super().handle_integer_types(column=column, field_args=field_args, **extra)

    @converts("Numeric")
    def handle_decimal_types(self, column, field_args, **extra):
        field_args.setdefault("validators", []).insert(0, FitsColumn(column))
        return super().handle_decimal_types(column=column, field_args=field_args, **extra)

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        if not kwargs.get("blank_text"):
            kwargs["blank_text"] = _l("（不选）")
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)


def _fitting(filter_class):
    """Flask-Admin's filter, for which a value the column cannot hold is no filter: an enum name that is no member
    (its own lets the KeyError out), a number past the integer range or an infinite one (the database's error)."""

    class Fitting(filter_class):
        def validate(self, value):
            try:
                if not super().validate(value):
                    return False
                cleaned = self.clean(value)
            except KeyError:
                return False
            numbers = cleaned if isinstance(cleaned, list) else [cleaned]
            return all(abs(n) <= INTEGER_MAX if isinstance(n, int) else math.isfinite(n)
                       for n in numbers if isinstance(n, (int, float)) and not isinstance(n, bool))

    Fitting.__name__ = filter_class.__name__
    return Fitting


class ConsoleFilterConverter(FilterConverter):
    enum = tuple(_fitting(f) for f in FilterConverter.enum)
    int_filters = tuple(_fitting(f) for f in FilterConverter.int_filters)
    float_filters = tuple(_fitting(f) for f in FilterConverter.float_filters)


class IdsInRange:
    """Ids, page numbers and filter values from the URL or a form are read only when they can mean something."""

    filter_converter = ConsoleFilterConverter()

    def get_one(self, id):
        """The row of a posted or linked id; an id no integer key can equal is no row (PostgreSQL would refuse
        the comparison itself, and the page would be a 500)."""
        if _integer_key(self.model) and not is_id(str(id)):
            return None
        return super().get_one(id)

    def get_list(self, page, *args, **kwargs):
        """A page past every row is an empty page, a negative one the first: neither becomes an offset the
        database cannot hold."""
        return super().get_list(min(max(page or 0, 0), INTEGER_MAX), *args, **kwargs)

    def _create_ajax_loader(self, name, options):
        """A relation picked by id in an ajax field is read only when the id is one."""
        loader = super()._create_ajax_loader(name, options)
        read = loader.get_one
        loader.get_one = lambda pk: read(pk) if is_id(str(pk)) else None
        return loader


class ConsoleModelView(IdsInRange, Guarded, ModelView):
    """A console list/create/edit/delete view whose every change is audited; enums show their labels in
    lists, details, forms and filters, booleans read 是/否."""

    form_base_class = ConsoleForm
    model_form_converter = ConsoleConverter
    page_size = 50
    can_set_page_size = False
    can_view_details = True
    can_export = False  # bulk export and import live in 批量导入导出, through openpyxl
    column_type_formatters = {**typefmt.BASE_FORMATTERS, bool: _bool_icon}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, bool: yes_no}

    def __init__(self, model, *args, **kwargs):
        self.column_labels = lazy(self.column_labels)
        labelled = {name: enum_choices(enum_cls) for name, enum_cls in labelled_enums(model).items()}
        self.column_choices = {**labelled, **(self.column_choices or {})}
        self.form_choices = {**labelled, **(self.form_choices or {})}
        for ref in (self.form_ajax_refs or {}).values():  # Flask-Admin's own says "请选择模型"
            ref.setdefault("placeholder", _l("输入名称或代码查找"))
        super().__init__(model, *args, **kwargs)

    def on_model_change(self, form, model, is_created):
        g.console_before = None if is_created else _before(model)  # views are shared: keep it per request
        self.validate_model(model)

    def validate_model(self, model) -> None:
        """Refuse an inconsistent row with a Chinese message; the form keeps what was typed."""

    def after_model_change(self, form, model, is_created):
        record("create" if is_created else "update", model, g.pop("console_before", None), _snapshot(model))
        db.session.commit()

    def on_model_delete(self, model):
        g.console_deleted = _snapshot(model)

    def after_model_delete(self, model):
        record("delete", model, g.pop("console_deleted", None), None)
        db.session.commit()


def _integer_key(model) -> bool:
    from sqlalchemy import Integer

    return all(isinstance(column.type, Integer) for column in sa_inspect(model).primary_key)


def _labels_formatter(enum_cls):
    return lambda view, context, model, name: "、".join(gettext(enum_cls(v).label) for v in getattr(model, name) or [])


def checked_tree_row(model, check) -> None:
    """A region or industry row as the reference-data rules see it (its code before the edit, the codes of the
    rows hanging from it); a refusal is the form's error, in the words of the import."""
    previous = sa_inspect(model).attrs.code.history.deleted
    with db.session.no_autoflush:
        children = db.session.scalars(select(type(model).code).where(type(model).parent_id == model.id)).all() \
            if model.id else ()
    try:
        check(model.code or "", model.name or "", model.level, model.parent.code if model.parent else None,
              parent_exists=lambda code: True, previous_code=previous[0] if previous else None, children=children)
    except DomainError as refused:
        raise ValidationError(say(refused))


def rules_say_what_is_missing() -> dict:
    """Form arguments that leave saying what is missing to the reference-data rules, in the import's words."""
    return {column: {"validators": [Optional()]} for column in ("code", "name", "level")}


class RegionConsole(ConsoleModelView):
    column_list = ["code", "name", "level", "kind", "parent"]
    column_searchable_list = ["code", "name"]
    column_filters = ["level", "kind"]
    column_labels = {"code": N_("区划代码"), "name": N_("名称"), "level": N_("级别（1省 2市 3县）"), "kind": N_("类型"),
                     "parent": N_("上级区划"), "province": N_("所属省份")}
    form_columns = ["code", "name", "level", "kind", "parent"]
    form_ajax_refs = {"parent": {"fields": ["code", "name"], "page_size": 20}}
    form_args = rules_say_what_is_missing()

    def validate_model(self, model):
        checked_tree_row(model, reference_data.check_region)
        model.province_id = reference_data.province_id_below(model.parent)


class AuthorityConsole(ConsoleModelView):
    column_list = ["name", "kind", "code", "region", "parent", "active"]
    column_searchable_list = ["name", "code"]
    column_filters = ["kind", "active"]
    column_labels = {"name": N_("名称"), "kind": N_("类别"), "code": N_("编码"), "region": N_("所在区划"),
                     "parent": N_("上级部门"), "active": N_("启用"), "is_financial": N_("金融企业"),
                     "separately_planned": N_("计划单列市"), "sort": N_("排序"),
                     "cities_run_city_tier": N_("市级批次由各市组织")}
    form_columns = ["name", "kind", "code", "region", "parent", "is_financial", "separately_planned", "active", "sort",
                    "cities_run_city_tier"]
    form_ajax_refs = {"region": {"fields": ["code", "name"], "page_size": 20},
                      "parent": {"fields": ["name", "code"], "page_size": 20}}

    def validate_model(self, model):
        kind = AuthorityKind(model.kind)
        if kind in (AuthorityKind.COUNTY, AuthorityKind.CITY, AuthorityKind.PROVINCE, AuthorityKind.SUPERVISION) \
                and model.region is None:
            raise ValidationError(gettext("县、市、省级主管部门和节能监察机关须选择所在区划"))
        if kind in (AuthorityKind.COUNTY, AuthorityKind.CITY) and model.parent is None:
            raise ValidationError(gettext("县、市级主管部门须选择上级部门"))


class IndustryConsole(ConsoleModelView):
    column_list = ["code", "name", "level", "parent"]
    column_searchable_list = ["code", "name"]
    column_filters = ["level"]
    column_labels = {"code": N_("行业代码"), "name": N_("行业名称"), "level": N_("层级"), "parent": N_("上级类别")}
    form_columns = ["code", "name", "level", "parent"]
    form_ajax_refs = {"parent": {"fields": ["code", "name"], "page_size": 20}}
    form_args = rules_say_what_is_missing()

    def validate_model(self, model):
        checked_tree_row(model, reference_data.check_industry)


class SubsystemConsole(ConsoleModelView):
    column_list = ["name", "code", "required", "has_declarations", "active", "sort"]
    column_labels = {"name": N_("名称"), "code": N_("编码"), "required": N_("必须开通"),
                     "has_declarations": N_("本平台申报"), "active": N_("启用"), "sort": N_("排序")}
    form_columns = ["name", "code", "required", "has_declarations", "active", "sort"]


class DeclarationTypeConsole(ConsoleModelView):
    column_list = ["name", "code", "subsystem", "declarant_types", "channels", "requires_evaluation", "active"]
    column_labels = {"name": N_("名称"), "code": N_("编码"), "subsystem": N_("所属子系统"),
                     "declarant_types": N_("可申报单位类型"), "channels": N_("推荐渠道"),
                     "requires_evaluation": N_("需第三方评价"), "is_green_category": N_("绿色制造类型"),
                     "active": N_("启用"), "sort": N_("排序")}
    column_formatters = {"declarant_types": _labels_formatter(OrgType), "channels": _labels_formatter(Channel)}
    form_columns = ["name", "code", "subsystem", "declarant_types", "channels", "requires_evaluation",
                    "is_green_category", "active", "sort"]
    form_overrides = {"declarant_types": SelectMultipleField, "channels": SelectMultipleField}
    form_args = {
        "declarant_types": {"label": _l("可申报单位类型"), "choices": enum_choices(OrgType)},
        "channels": {"label": _l("推荐渠道"), "choices": enum_choices(Channel)},
    }
    can_delete = False  # declarations refer to their type; retire a type with 启用 instead


BATCH_WINDOW_FORM = dict(
    form_columns=["id", "declaration_type", "opens_on", "closes_on", "form_definition", "county_deadline",
                  "city_deadline", "top_deadline", "ministry_deadline", "requires_provincial_listing"],
    column_labels={"declaration_type": N_("申报类型"), "opens_on": N_("申报开始"), "closes_on": N_("申报截止"),
                   "form_definition": N_("申报书版本"), "county_deadline": N_("县/区审核截止"),
                   "city_deadline": N_("市审核截止"), "top_deadline": N_("省/集团/协会审核截止"),
                   "ministry_deadline": N_("工信部审核截止"),
                   "requires_provincial_listing": N_("须持有效省级名单")},
)


class BatchConsole(ConsoleModelView):
    column_list = ["year", "name", "tier", "notice_no", "owner", "state"]
    column_labels = {"year": N_("年度"), "name": N_("批次"), "tier": N_("层级"), "notice_no": N_("通知文号"),
                     "owner": N_("组织部门"), "state": N_("状态"), "windows": N_("各类型申报时间")}
    column_formatters = {
        "state": lambda v, c, m, n: "、".join(sorted({gettext(w.state_on(clock.today()))
                                                    for w in m.windows})) or gettext("未设置"),
    }
    form_columns = ["year", "name", "tier", "notice_no", "owner", "windows"]
    form_ajax_refs = {"owner": {"fields": ["name"], "page_size": 20}}
    form_args = {"owner": {"validators": [Optional()],
                           "description": _l("不选即工业和信息化部（国家级批次）；省级批次选择该省工信主管部门")}}
    inline_models = [(BatchWindow, {
        **BATCH_WINDOW_FORM, "column_labels": lazy(BATCH_WINDOW_FORM["column_labels"]),
        "form_args": {"form_definition": {"query_factory": lambda: catalog.declaration_forms(db.session)},  # 申报书 only
                      "requires_provincial_listing": {"description": _l("仅国家级批次可勾选：只有持有效省级名单的单位可以申报")}}})]

    def validate_model(self, model):
        with db.session.no_autoflush:
            if model.owner is None:
                model.owner = db.session.scalar(select(Authority).where(Authority.kind == AuthorityKind.MINISTRY))
            catalog.default_forms(db.session, model.windows)
        if model.tier is not None and (refused := tiers.owner_refusal(model.tier, model.owner)) is not None:
            raise ValidationError(refused.translated(gettext))
        for _, problem in catalog.window_problems(model.windows, model.tier):
            raise ValidationError(in_language(problem, gettext))


class AgencyConsole(ConsoleModelView):
    """第三方评价机构的资格: IT staff suspend or restore an agency; a suspended one can no longer be chosen."""

    can_create = can_delete = False
    column_list = ["name", "credit_code", "legal_representative", "legal_representative_id_number",
                   "legal_representative_phone", "active"]
    column_searchable_list = ["name", "credit_code", "legal_representative", "legal_representative_id_number"]
    column_filters = ["active"]
    column_labels = {"name": N_("机构名称"), "credit_code": N_("统一社会信用代码"),
                     "legal_representative": N_("法定代表人"), "legal_representative_phone": N_("联系电话"),
                     "legal_representative_id_number": N_("法定代表人居民身份证号码"),
                     "active": N_("具备评价资格")}
    form_columns = ["legal_representative", "legal_representative_id_number", "active"]

    def validate_model(self, model):
        """The legal representative identifies the person across agencies (their yearly cap): both required, the
        number checked as the registration checks it; a change goes into the agency's supervision history."""
        model.legal_representative = (model.legal_representative or "").strip()
        model.legal_representative_id_number = agencies.normalize_id_number(model.legal_representative_id_number)
        if not model.legal_representative or len(model.legal_representative) > 32:
            raise ValidationError(gettext("法定代表人：请填写姓名（不超过 32 个字）"))
        if (error := agencies.id_number_error(model.legal_representative_id_number, clock.today())) is not None:
            raise ValidationError(gettext("法定代表人居民身份证号码：%(error)s", error=gettext(error)))
        attributes = sa_inspect(model).attrs
        before = tuple((getattr(attributes, name).history.deleted or [getattr(model, name)])[0]
                       for name in ("legal_representative", "legal_representative_id_number"))
        agencies.representative_changed(db.session, model, before, Actor.of(current_user), clock.now())

    def get_query(self):
        return super().get_query().filter(Organization.org_type == OrgType.AGENCY)

    def get_count_query(self):
        return super().get_count_query().filter(Organization.org_type == OrgType.AGENCY)

    def get_one(self, pk):
        model = super().get_one(pk)
        if model is None or model.org_type != OrgType.AGENCY:
            abort(404)
        return model


class FormDefinitionConsole(ConsoleModelView):
    """申报书版本: every published version, read-only (never edited or deleted: batch windows and declarations
    keep the version they started with). 上传新版本 checks a definition as seeding checks seeds/forms, shows it as
    the applicant will fill it in and as its xlsx template, and 发布 adds it as a new version. Nothing is stored
    before 发布: the uploaded text travels with the pages, so an upload is discarded by leaving it."""

    can_create = can_edit = can_delete = False
    list_template = "console/form_definitions.html"
    column_list = ["declaration_type", "version", "title", "loaded_at", "purpose"]
    column_labels = {"declaration_type": N_("申报类型"), "version": N_("版本"), "title": N_("申报书"),
                     "loaded_at": N_("发布时间"), "purpose": N_("用途")}
    column_formatters = {"purpose": lambda v, c, m, n: gettext("动态管理表") if m.purpose == "filing" else gettext("申报书")}
    column_exclude_list = ["definition"]
    UPLOAD_LIMIT = 2 * 1024 * 1024

    def _uploaded_text(self) -> tuple[str, str | None]:
        """The definition posted as a file or typed into the box; (text, why it cannot be read)."""
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            data = upload.stream.read(self.UPLOAD_LIMIT + 1)
            if len(data) > self.UPLOAD_LIMIT:
                return "", gettext("文件超过 2 MB，不是申报书定义")
            try:
                return data.decode("utf-8-sig"), None
            except UnicodeDecodeError:
                return "", gettext("文件不是 UTF-8 编码的 JSON 文本")
        text = request.form.get("definition") or ""
        if len(text) > self.UPLOAD_LIMIT:
            return "", gettext("内容超过 2 MB，不是申报书定义")
        return text.replace("\x00", ""), None

    @expose("/upload/", methods=["GET", "POST"])
    def upload_view(self):
        if request.method == "GET":
            return self.render("console/form_upload.html", text="", errors=())
        text, unreadable = self._uploaded_text()
        if unreadable or not text.strip():
            return self.render("console/form_upload.html", text=text,
                               errors=(unreadable or gettext("请上传申报书定义文件（JSON），或粘贴其内容"),))
        checked = catalog.check_upload(db.session, text)
        if checked.errors:
            return self.render("console/form_upload.html", text=text, errors=checked.errors)
        return self._preview(text, checked)

    @staticmethod
    def _reference():
        """(code, name) of every region and of every 小类 industry, for the preview's dropdowns and workbook."""
        regions = db.session.execute(select(Region.code, Region.name).order_by(Region.code)).all()
        industries = db.session.execute(select(Industry.code, Industry.name).where(Industry.level == 4)
                                        .order_by(Industry.code)).all()
        return regions, industries

    def _preview(self, text, checked):
        regions, industries = self._reference()
        definition = checked.definition
        published = db.session.scalars(select(FormDefinition).where(
            FormDefinition.declaration_type_id == checked.declaration_type.id)).all()
        newest_published = max((f.version for f in published), key=forms.version_key, default=None)
        return self.render(
            "console/form_preview.html", text=text, definition=definition, declaration_type=checked.declaration_type,
            published=sorted(published, key=lambda f: forms.version_key(f.version)), newest=newest_published,
            becomes_default=newest_published is None or forms.version_key(definition.version)
            > forms.version_key(newest_published),
            fields=sum(1 for _ in definition.all_fields()),
            indicators=[(s, i) for s, i in definition.all_fields() if i.kind == "indicator"],
            # the applicant's page, empty: the same fields template the declaration page draws
            preview=True, values={}, errors={}, totals={}, attachments={}, declaration=None, view_name="",
            indicator_terms=forms.indicator_terms, industries=industries, regions=regions)

    @expose("/preview-workbook/", methods=["POST"])
    def preview_workbook(self):
        """The xlsx template the applicant will download, for the checked upload (nothing is stored)."""
        from app.domain.dossier import Names
        from app.web.downloads import xlsx_file

        text, unreadable = self._uploaded_text()
        checked = catalog.check_upload(db.session, text) if not unreadable else None
        if checked is None or checked.errors:
            return self.render("console/form_upload.html", text=text,
                               errors=checked.errors if checked else (unreadable,))
        regions, industries = self._reference()
        data = workbook.export(checked.definition, {}, type_name=checked.declaration_type.name,
                               names=Names(regions=dict(regions), industries=dict(industries)))
        return xlsx_file(f"{checked.declaration_type.name}-{checked.definition.version}-预览.xlsx", data)

    @expose("/publish/", methods=["POST"])
    def publish_view(self):
        text, unreadable = self._uploaded_text()
        checked = catalog.check_upload(db.session, text) if not unreadable else None
        if checked is None or checked.errors:
            return self.render("console/form_upload.html", text=text,
                               errors=checked.errors if checked else (unreadable,))
        row = catalog.publish(db.session, text)
        record("create", row, None, _snapshot(row))
        db.session.commit()
        flash(gettext("已发布%(type)s申报书 %(version)s 版；新建批次时可选择该版本，已开始的申报仍使用原版本。",
                      type=checked.declaration_type.name, version=row.version), "success")
        return redirect(url_for(".index_view"))

    def on_model_change(self, form, model, is_created):  # no form edits a version; refuse any that slips in
        raise ValidationError(gettext("申报书版本发布后不能修改；请上传新版本"))

    def on_model_delete(self, model):
        raise ValidationError(gettext("申报书版本发布后不能删除：批次和申报书仍按该版本填写")
                              if catalog.in_use(db.session, model.id) else gettext("申报书版本发布后不能删除"))


class SiteSettingConsole(ConsoleModelView):
    can_create = can_delete = False
    column_list = ["label", "value"]
    column_labels = {"label": N_("项目"), "value": N_("内容"), "key": N_("键")}
    form_columns = ["value"]

    def validate_model(self, model):
        if model.key == agencies.CAP_SETTING and (error := agencies.cap_setting_error(model.value)) is not None:
            raise ValidationError(gettext(error))


class GreenCodeShareConsole(ConsoleModelView):
    """企业绿码 shares: the row without a year is the default; a year's row overrides it for that year."""

    column_list = ["year", "a_plus", "a", "b"]
    column_labels = {"year": N_("年度（空为默认）"), "a_plus": N_("A+ 比例（%）"), "a": N_("A 比例（%）"),
                     "b": N_("B 比例（%）")}
    form_columns = ["year", "a_plus", "a", "b"]
    column_default_sort = "year"

    def validate_model(self, model):
        from app.domain import green_code

        try:
            green_code.validate_shares((model.a_plus, model.a, model.b))
        except DomainError as refused:
            raise ValidationError(say(refused))
        with db.session.no_autoflush:
            same = db.session.scalar(select(GreenCodeShare.id).where(
                GreenCodeShare.year.is_(None) if model.year is None else GreenCodeShare.year == model.year,
                GreenCodeShare.id != (model.id or 0)))
        if same is not None:
            raise ValidationError(gettext("已有默认比例，请修改该行") if model.year is None else
                                  gettext("%(year)d 年度已有比例，请修改该行", year=model.year))


class AuditConsole(IdsInRange, Guarded, ModelView):
    """The audit log, read-only for everyone: each change as "申报批次 · 新增" with what it created, changed
    or deleted, in the console's own labels (app/console/audit.py)."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    column_default_sort = ("changed_at", True)
    column_list = ["changed_at", "username", "title", "row_id", "summary"]
    column_details_list = ["changed_at", "username", "title", "row_id", "before", "after"]
    column_filters = ["table_name", "action", "username"]
    column_labels = {"changed_at": N_("时间"), "username": N_("操作人"), "table_name": N_("数据"), "row_id": N_("记录编号"),
                     "action": N_("操作"), "title": N_("变更"), "summary": N_("内容"), "before": N_("修改前"),
                     "after": N_("修改后")}
    column_type_formatters = column_type_formatters_detail = {
        **typefmt.BASE_FORMATTERS, datetime.datetime: lambda view, value, name=None: value.strftime("%Y-%m-%d %H:%M")}

    def __init__(self, model, *args, **kwargs):
        from app.console.transfer import DATASETS

        words = self.vocabulary = AuditVocabulary([(v, m, name) for v, m, name, _, _ in CONSOLE_VIEWS],
                                                  {"batch_window": BATCH_WINDOW_FORM["column_labels"]})
        words.tables.update({name: dataset.title for name, dataset in DATASETS.items()})  # imports
        self.column_choices = {"table_name": [(table, _l(name)) for table, name in words.tables.items()],
                               "action": list(ACTIONS.items())}
        self.column_labels = lazy(self.column_labels)
        self.column_formatters = {
            "title": lambda v, c, m, n: words.title(m),
            "summary": lambda v, c, m, n: words.summary(m),
        }
        rows = lambda values, table: Markup("<br>").join(  # noqa: E731
            escape(f"{label}：{text}") for label, text in words.fields(table, values)) or "—"
        self.column_formatters_detail = {
            **self.column_formatters,
            "before": lambda v, c, m, n: rows(m.before, m.table_name),
            "after": lambda v, c, m, n: rows(m.after, m.table_name) if m.action != "import" else words.summary(m),
        }
        super().__init__(model, *args, **kwargs)


def sign_in_detail(view, context, model, name) -> str:
    """An event's detail code (app.domain.sign_in.DETAILS) as a sentence; an unknown code as it is."""
    code, _, value = (model.detail or "").partition(":")
    text = DETAILS.get(code)
    return gettext(text, value=value) if text else model.detail or ""


class SignInKindFilter(FilterEqual):
    """事件 等于 …, by the stored value (Flask-Admin's own enum filters look members up by name, and an unknown
    value would reach the database)."""

    def validate(self, value):
        return value in SignInKind._value2member_map_


class SignInConsole(ConsoleModelView):
    """登录记录, read-only: every sign-in, failure, wait, lock, unlock, password change, reset and deactivation."""

    can_create = can_edit = can_delete = False
    can_view_details = False
    page_size = 100
    column_default_sort = ("at", True)
    column_list = ["at", "kind", "username", "address", "detail", "actor", "user_agent"]
    column_filters = ["at", "username", SignInKindFilter(SignInEvent.kind, _l("事件"), options=enum_choices(SignInKind)),
                      "address"]
    column_searchable_list = ["username", "address"]
    column_labels = {"at": N_("时间"), "kind": N_("事件"), "username": N_("用户登录名"), "address": N_("客户端地址"),
                     "detail": N_("说明"), "actor": N_("操作人"), "user_agent": N_("浏览器标识")}
    column_formatters = {"detail": sign_in_detail}
    column_choices = {"kind": enum_choices(SignInKind)}
    column_type_formatters = {
        **ConsoleModelView.column_type_formatters,
        datetime.datetime: lambda view, value, name=None: value.strftime("%Y-%m-%d %H:%M:%S")}


CONSOLE_VIEWS = [
    (BatchConsole, Batch, N_("申报批次"), N_("申报管理"), "batches"),
    (DeclarationTypeConsole, DeclarationType, N_("申报类型"), N_("申报管理"), "declaration_types"),
    (FormDefinitionConsole, FormDefinition, N_("申报书版本"), N_("申报管理"), "form_definitions"),
    (RegionConsole, Region, N_("行政区划"), N_("基础数据"), "regions"),
    (AuthorityConsole, Authority, N_("主管部门与机构"), N_("基础数据"), "authorities"),
    (IndustryConsole, Industry, N_("国民经济行业分类"), N_("基础数据"), "industries"),
    (SubsystemConsole, Subsystem, N_("子系统"), N_("基础数据"), "subsystems"),
    (AgencyConsole, Organization, N_("第三方评价机构"), N_("基础数据"), "agencies"),
    (SiteSettingConsole, SiteSetting, N_("登录页说明"), N_("站点设置"), "site_settings"),
    (AuditConsole, ConfigChange, N_("配置变更记录"), N_("站点设置"), "audit"),
    (GreenCodeShareConsole, GreenCodeShare, N_("企业绿码比例"), N_("申报管理"), "green_code_shares"),
]
from app.console.filing import filing_window_console  # noqa: E402  (it builds on the classes above)
from app.models import FilingWindow  # noqa: E402
CONSOLE_VIEWS.append((filing_window_console(), FilingWindow, N_("动态管理填报窗口"), N_("申报管理"), "filing_windows"))


def init_console(app: Flask) -> Admin:
    """A fresh Admin per app, with endpoints prefixed `console_` so they never meet FAB's blueprints."""
    from app.console.transfer import TransferView
    from app.security.headers import csp_nonce

    console = Admin(app, name=_l("系统配置控制台"), url="/console", endpoint="console",
                    index_view=ConsoleHome(name=_l("控制台首页"), url="/console", endpoint="console"),
                    theme=Bootstrap4Theme(swatch="default", fluid=True, base_template="console/master.html"),
                    csp_nonce_generator=csp_nonce)
    for view_class, model, name, category, endpoint in CONSOLE_VIEWS:
        console.add_view(view_class(model, db, name=_l(name), category=_l(category),
                                    endpoint=f"console_{endpoint}", url=f"/console/{endpoint}"))
    console.add_view(SignInConsole(SignInEvent, db, name=_l("登录记录"), category=_l("站点设置"),
                                   endpoint="console_sign_ins", url="/console/sign_ins"))
    console.add_view(TransferView(name=_l("批量导入导出"), category=_l("基础数据"), endpoint="console_transfer",
                                  url="/console/transfer"))
    return console
