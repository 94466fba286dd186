"""Declaration pages for the three audiences. One applicant view class is generated per declaration type.

Every page and action reads the declaration through the view's scope first (`_scoped`), so another
organization's id gives 404, and every change goes through `app.domain.lifecycle.apply`.
"""
from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.urltools import get_filter_args
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import get_locale, gettext, lazy_gettext as _l
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import aliased

from app import clock, jobs
from app.domain import DomainError, dossier, forms, lifecycle, recommendation, uploads, workbook
from app.domain import rounds as rounds_domain
from app.domain import agency as agencies
from app.domain.scope import Actor, Audience
from app.vocabulary import N_, DeclarationStatus, ReviewLevel, StepState
from app.domain.places import full_names
from app.domain.uploads import inspect_pdf
from app.extensions import db
from app.models import (
    Attachment,
    Authority,
    AuthorityKind,
    Batch,
    Declaration,
    DeclarationType,
    Evaluation,
    Industry,
    Organization,
    OrgType,
    Region,
    ReviewRecord,
    ReviewStep,
)
from app.storage import discard, read as read_stored, store
from app.views.base import DeclarationScope, PlatformInterface, PlatformModelView, submitted_form
from app.web.downloads import attachment_download, xlsx_file, xlsx_rows
from app.web.ids import as_id, is_id
from app.web.language import said, say, translated_parts
from app.web.refusals import field_errors, flash_refusal
from app.views.cache import reference
from app.views.filters import DeclarationFilterBar, param_id
from app.views.jobs import export_threshold, started


def _label(enum_cls):
    """A list cell's label (the list widget formats each distinct value once per page)."""
    def format(value):
        return gettext(enum_cls(value).label) if value else ""
    return format


LEVEL_COLUMNS = [lifecycle.STEP_COLUMN[level] for level in lifecycle.LEVELS]


COUNT_CAP = 10_000


class DeclarationInterface(PlatformInterface):
    """Counts exactly where the count is an index range (a region's or an organization's rows), and stops
    at COUNT_CAP for the ministry's national lists, where an exact count would read most of the table."""

    def query_count(self, query, filters=None, select_columns=None):
        # ids only: the count reads the scope's index, never the rows
        query = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={}) \
            .with_entities(Declaration.id)
        if getattr(g, "user", None) is not None and g.user.is_authenticated \
                and Actor.of(g.user).authority_kind is AuthorityKind.MINISTRY:
            count = query.limit(COUNT_CAP + 1).count()
            g.declaration_count_cap = COUNT_CAP if count > COUNT_CAP else None  # said under the list
            return min(count, COUNT_CAP)
        return query.count()


class DeclarationListView(PlatformModelView):
    """A declaration list with its detail page and its transitions, restricted by `audience`."""

    datamodel = DeclarationInterface(Declaration)
    audience: Audience
    base_permissions = ["can_list", "can_show", "can_act", "can_download"]
    method_permission_name = {"transition": "act", "download": "download", "workbook": "download",
                              "print_view": "download", "dossier": "show"}
    base_order = ("created_at", "desc")
    show_template = "declarations/show.html"
    label_columns = {
        "id": _l("编号"),
        "unit_name": _l("单位名称"),
        "title": _l("申报名称"),
        "declaration_type": _l("申报类型"),
        "batch": _l("批次"),
        "status": _l("状态"),
        "agency": _l("三方评价机构"),
        "submitted_at": _l("提交时间"),
        "created_at": _l("创建时间"),
        "updated_at": _l("更新时间"),
        "round": _l("上报轮次"),
        "score": _l("评价得分"),
        **{lifecycle.STEP_COLUMN[level]: _l(level.label) for level in lifecycle.LEVELS},
        "package_state": _l("推荐状态"),
    }
    list_columns = ["submitted_at", "title", "unit_name", "batch", "agency", "status", *LEVEL_COLUMNS,
                    "package_state"]
    show_columns = ["id", "declaration_type", "batch", "unit_name", "status"]
    order_columns = ["submitted_at", "created_at", "unit_name"]
    search_columns = ["unit_name"]
    formatters_columns = {
        "status": _label(DeclarationStatus),
        **{column: _label(StepState) for column in LEVEL_COLUMNS},
        "package_state": translated_parts,
    }

    extra_filters: list = []  # e.g. the declaration type of a per-type view: part of the scope
    list_filters: list = []  # narrow the list only (a filter bar), never what a show page or action may reach

    def __init__(self, **kwargs):
        scope = [["id", DeclarationScope, self.audience], *self.extra_filters]
        self.base_filters = scope + self.list_filters
        super().__init__(**kwargs)
        self._scope_filters = self.datamodel.get_filters().add_filter_list(scope)

    # --- reading, always through the scope ---

    def _scoped(self, pk) -> Declaration:
        declaration = self.datamodel.get(pk, self._scope_filters)
        if declaration is None:
            abort(404)
        return declaration

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        return self._show_page(self._scoped(pk))

    def _show_page(self, declaration: Declaration, **extra):
        """The declaration page; `extra` carries what a refused form on it needs to show again (typed values,
        errors by field)."""
        actor = Actor.of(g.user)
        now = clock.now()
        steps = db.session.scalars(select(ReviewStep).where(ReviewStep.declaration_id == declaration.id)
                                   .order_by(ReviewStep.round.desc(), ReviewStep.position)).all()
        rounds: dict[int, list[ReviewStep]] = {}
        for step in steps:
            rounds.setdefault(step.round, []).append(step)
        records = db.session.scalars(select(ReviewRecord).where(ReviewRecord.declaration_id == declaration.id)
                                     .order_by(ReviewRecord.id)).all()
        definition = lifecycle.definition_of(declaration)
        values = lifecycle.content(declaration)
        offers = lifecycle.offers(db.session, declaration, actor, self.audience, now)
        editable = self.audience is Audience.APPLICANT and DeclarationStatus(declaration.status) in lifecycle.EDITABLE
        contact, phone = dossier.contacts(values)
        return self.render_template(
            self.show_template, title=self.show_title, declaration=declaration, rounds=rounds, records=records,
            evaluations=db.session.scalars(select(Evaluation).where(Evaluation.declaration_id == declaration.id)
                                           .order_by(Evaluation.round.desc())).all(),
            offers=offers, transitions=[o.transition for o in offers if o.enabled],
            decision=[o for o in offers if o.transition.name in lifecycle.REVIEW_DECISIONS],
            warnings=[r.message for r in forms.rule_results(definition, values) if r.level == "warning"]
            if definition else [],
            gaps=forms.gaps(definition, values) if definition and editable else [],
            sent_back=_sent_back(declaration, records), contact=contact, contact_phone=phone,
            comparison=rounds_domain.compare(db.session, declaration, actor, reference_names()),
            attachment_count=db.session.scalar(select(func.count()).where(
                Attachment.declaration_id == declaration.id, Attachment.purpose != workbook.PENDING_IMPORT)),
            choices=self._choices(declaration), say=say,
            action_label=lifecycle.action_label, view_name=self.__class__.__name__,
            package_url=url_for("RecommendationPackageView.show", pk=declaration.package_id)
            if declaration.package is not None and self.audience is Audience.REVIEWER
            and recommendation.may_see(actor, declaration.package) else None,
            levels={level.value: gettext(level.label) for level in ReviewLevel},
            step_label=lambda state: gettext(StepState(state).label) if state else "",
            status_label=lambda state: gettext(DeclarationStatus(state).label) if state else "",
            agency_flag=agencies.flag_of(db.session, declaration, now.date())
            if self.audience is not Audience.AGENCY else None,
            **extra,
        )

    def _choices(self, declaration: Declaration) -> dict:
        if self.audience is not Audience.APPLICANT:
            return {}
        return {
            # each with its legal representative's places left this year and its 不再采信 (app/domain/agency.py)
            "agencies": agencies.choices(db.session, declaration, clock.today()),
            "channels": declaration.declaration_type.channels or [],
            "associations": db.session.execute(select(Authority.id, Authority.name).where(
                Authority.kind == AuthorityKind.ASSOCIATION, Authority.active.is_(True)).order_by(Authority.sort)).all(),
        }

    # --- acting ---

    @expose("/do/<int:pk>/<name>", methods=["POST"])
    @has_access
    def transition(self, pk, name):
        declaration = self._scoped(pk)
        args = {key: request.form.get(key, "").replace("\x00", "")
                for key in ("opinion", "agency_id", "channel", "association_id", "score", "basic_requirements",
                            "highlights", "conclusion")}
        args = {key: value for key, value in args.items() if key in request.form}
        files = db.session.scalars(select(Attachment.storage_key).where(
            Attachment.declaration_id == declaration.id)).all() if name == "delete" else []
        actor = Actor.of(g.user)
        uploaded = kept = None  # the evaluation report: a PDF chosen now, one kept from a refused attempt
        if name == "return_evaluation":
            kept = lifecycle.evaluation_report(db.session, declaration, actor, request.form.get("kept_report"))
            try:
                uploaded = db.session.get(Attachment, self._store_report(declaration) or 0)
            except DomainError as bad_file:
                args["report_error"] = say(bad_file)
            args["report_id"] = (uploaded or kept).id if (uploaded or kept) else None
        try:
            with db.session.begin_nested():
                lifecycle.apply(db.session, declaration, name, actor, self.audience,
                                now=clock.now(), ip=request.remote_addr, **args)
            if uploaded is not None and kept is not None:  # a new report replaces the one kept earlier
                files.append(kept.storage_key)
                db.session.delete(kept)
            db.session.commit()
            discard(files)
        except DomainError as refused:
            if name != "return_evaluation" or not refused.errors:
                db.session.rollback()
                discard([uploaded.storage_key] if uploaded is not None else [])
                if name in lifecycle.REVIEW_DECISIONS or str(args.get("opinion") or "").strip():
                    # the refusal beside the decision, and the opinion typed kept in its box
                    return self._show_page(self._scoped(pk), opinion_typed=args["opinion"],
                                           refusal_shown=say(refused))
                flash_refusal(refused)
                return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
            report = uploaded or kept  # a valid PDF stays uploaded: the next attempt need not choose it again
            replaced = [kept.storage_key] if uploaded is not None and kept is not None else []
            if replaced:
                db.session.delete(kept)
            db.session.commit()
            discard(replaced)
            flash_refusal(refused)
            typed = {key: request.form.get(key, "").replace("\x00", "")
                     for key in ("score", "basic_requirements", "highlights", "conclusion")}
            return self._show_page(declaration, evaluation_values={**typed, "report": report},
                                   evaluation_errors=field_errors(refused))
        flash(gettext("已完成：%(action)s", action=_action_label(name)), "success")
        if name == "delete":
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))

    def _store_report(self, declaration: Declaration) -> int | None:
        upload = request.files.get("report")
        if upload is None or not upload.filename:
            return None
        inspect_pdf(upload.stream)
        attachment = store(upload.stream, original_name=upload.filename, purpose="evaluation_report",
                           content_type="application/pdf", extension=".pdf", declaration_id=declaration.id,
                           organization_id=g.user.active_organization_id, uploaded_by_id=g.user.id)
        return attachment.id

    @expose("/workbook/<int:pk>")
    @has_access
    def workbook(self, pk):
        """The form as xlsx, filled with the declaration's content (a blank template for a new draft)."""
        declaration = self._scoped(pk)
        definition = lifecycle.definition_of(declaration)
        if definition is None:
            abort(404)
        data = workbook.export(definition, lifecycle.content(declaration), unit_name=declaration.unit_name,
                               type_name=declaration.declaration_type.name, batch=declaration.batch.title,
                               names=replace(reference_names(), industries=dict(industry_choices())))  # 小类 only
        name = f"{declaration.declaration_type.name}-{declaration.unit_name}-{declaration.id}.xlsx"
        return xlsx_file(name, data)

    @expose("/dossier/<int:pk>")
    @has_access
    def dossier(self, pk):
        """申报书: the whole form as a reviewer reads it, with its scores, verdicts, rule checks and every file."""
        return self._dossier_page(self._scoped(pk), "declarations/dossier.html")

    @expose("/print/<int:pk>")
    @has_access
    def print_view(self, pk):
        """打印申报书: the same reading on A4, with the history and a signatures block."""
        return self._dossier_page(self._scoped(pk), "declarations/print.html")

    def _dossier_page(self, declaration: Declaration, template: str):
        definition = lifecycle.definition_of(declaration)
        if definition is None:
            abort(404)
        values = lifecycle.content(declaration)
        files = db.session.scalars(select(Attachment).where(
            Attachment.declaration_id == declaration.id, Attachment.purpose != workbook.PENDING_IMPORT)
            .order_by(Attachment.id)).all()
        names = replace(reference_names(), attachments={a.id: a.original_name for a in files})
        comparison = rounds_domain.compare(db.session, declaration, Actor.of(g.user), names)
        fields_of = {i: path for path, i in dossier.attached(definition, values)}
        labels = {f"{s.key}.{i.key}": i.label for s, i in definition.all_fields()}
        reports = {e.report_id for e in db.session.scalars(select(Evaluation).where(
            Evaluation.declaration_id == declaration.id, Evaluation.report_id.is_not(None)))}
        return self.render_template(
            template, title=declaration.title or declaration.declaration_type.name, declaration=declaration,
            definition=definition, reading=dossier.read(definition, values, names),
            rules=forms.rule_results(definition, values), files={a.id: a for a in files},
            attachments=[(a, labels.get(fields_of.get(a.id)) or (gettext("第三方评价报告") if a.id in reports else None))
                         for a in files if a.id in fields_of or a.id in reports],
            changed={".".join(c.path.split(".")[:2]) for c in comparison.changes} if comparison else set(),
            comparison=comparison,
            records=db.session.scalars(select(ReviewRecord).where(ReviewRecord.declaration_id == declaration.id)
                                       .order_by(ReviewRecord.id)).all(),
            action_label=lifecycle.action_label, view_name=self.__class__.__name__,
            download=lambda attachment_id: url_for(f"{self.__class__.__name__}.download", pk=declaration.id,
                                                   attachment_id=attachment_id),
            status_label=lambda state: gettext(DeclarationStatus(state).label) if state else "",
            printed_at=clock.now(), page_lang="en" if str(get_locale()) == "en" else "zh-CN",
        )

    @expose("/download/<int:pk>/<int:attachment_id>")
    @has_access
    def download(self, pk, attachment_id):
        """A file of a declaration in scope; any other id, a file of another declaration, or a workbook still
        waiting for its import to be confirmed (the applicant's, not yet part of the declaration) is 404."""
        declaration = self._scoped(pk)
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.declaration_id != declaration.id \
                or attachment.purpose == workbook.PENDING_IMPORT:
            abort(404)
        return attachment_download(attachment)


class ApplicantDeclarationView(DeclarationListView):
    """The base of the per-type applicant views: 新增填报 and editing the draft."""

    class_permission_name = "ApplicantDeclaration"
    audience = Audience.APPLICANT
    base_permissions = [*DeclarationListView.base_permissions, "can_create", "can_edit_content"]
    method_permission_name = {**DeclarationListView.method_permission_name, "create_draft": "create",
                              "edit_content": "edit_content", "upload_workbook": "edit_content",
                              "preview_workbook": "edit_content", "confirm_workbook": "edit_content",
                              "cancel_workbook": "edit_content", "attach": "edit_content"}
    list_template = "declarations/applicant_list.html"
    declaration_type_code: str

    def _declaration_type(self) -> DeclarationType:
        return db.session.execute(select(DeclarationType).where(
            DeclarationType.code == self.declaration_type_code)).scalar_one()

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            declaration_type = self._declaration_type()
            organization = g.user.active_organization
            batches = lifecycle.open_batches(db.session, declaration_type, clock.today(), organization)
            kwargs["open_batches"] = batches
            kwargs["create_refusals"] = {  # shown next to 新增填报, the reason it would be refused in each batch
                batch.id: refused.translated(gettext) for batch in batches
                if (refused := lifecycle.creation_refusal(db.session, organization, declaration_type, batch,
                                                          clock.today())) is not None}
            kwargs["declaration_type"] = declaration_type
            kwargs["view_name"] = self.__class__.__name__
        return super().render_template(template, **kwargs)

    @expose("/create", methods=["POST"])
    @has_access
    def create_draft(self):
        batch = db.session.get(Batch, as_id(request.form.get("batch_id")) or 0)
        if batch is None:
            flash(gettext("当前没有开放的申报批次"), "danger")
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        try:
            declaration = lifecycle.create(
                db.session, Actor.of(g.user), self._declaration_type(), batch, clock.now(),
                contact={"name": " ".join(filter(None, (g.user.first_name, g.user.last_name))),
                         "phone": g.user.phone, "email": g.user.email},
                copy_licence=_copy_licence)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        flash(gettext("已新增填报，请填写申报内容；可多次保存。"), "success")
        return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=declaration.id))

    @expose("/content/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit_content(self, pk):
        declaration = self._editable(pk)
        if not isinstance(declaration, Declaration):
            return declaration
        definition = lifecycle.definition_of(declaration)
        values, errors = lifecycle.content(declaration), {}
        if request.method == "POST":
            submitted = submitted_form()
            regions, industries = reference_codes()
            problems = lifecycle.save_content(declaration, submitted, regions=regions, industries=industries,
                                              now=clock.now())
            if not problems:
                db.session.commit()
                flash(gettext("已保存。上报前可随时修改。"), "success")
                return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))
            db.session.rollback()
            errors = problems.errors
            values = _keep_typed(definition, submitted, lifecycle.content(declaration), regions, industries)
            flash(gettext("有 %(count)d 处格式不正确，未保存，请修改标红的项目。", count=len(errors)), "danger")
        return self._form_page(declaration, definition, values, errors)

    def _editable(self, pk):
        declaration = self._scoped(pk)
        if DeclarationStatus(declaration.status) not in lifecycle.EDITABLE:
            flash(gettext("当前状态（%(status)s）不能修改申报内容", status=gettext(declaration.status_label)), "danger")
            return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        return declaration

    def _form_page(self, declaration, definition, values, errors, workbook_problems=()):
        attachments = {}
        for section, item in definition.all_fields():
            if item.kind == "file":
                ids = (values.get(section.key) or {}).get(item.key) or []
                attachments[f"{section.key}.{item.key}"] = db.session.scalars(
                    select(Attachment).where(Attachment.id.in_(ids), Attachment.declaration_id == declaration.id)).all()
        return self.render_template(
            "declarations/content.html", declaration=declaration, definition=definition, values=values,
            errors=errors, view_name=self.__class__.__name__, attachments=attachments,
            totals=forms.page_totals(definition, values), indicator_terms=forms.indicator_terms,
            file_fields=[(f"{s.key}.{i.key}", i.label) for s, i in definition.all_fields() if i.kind == "file"],
            industries=industry_choices(), regions=region_choices(), workbook_problems=workbook_problems,
            sent_back=_sent_back(declaration, db.session.scalars(select(ReviewRecord).where(
                ReviewRecord.declaration_id == declaration.id).order_by(ReviewRecord.id)).all()),
        )

    @expose("/upload-workbook/<int:pk>", methods=["POST"])
    @has_access
    def upload_workbook(self, pk):
        """Nothing is saved here: a workbook without problems is kept as a pending import and its changes are
        previewed (`preview_workbook`); a refused one lists every problem by sheet and cell. A new upload
        replaces the uploader's pending one."""
        declaration = self._editable(pk)
        if not isinstance(declaration, Declaration):
            return declaration
        definition = lifecycle.definition_of(declaration)
        upload = request.files.get("workbook")
        data = upload.stream.read(workbook.MAX_UPLOAD_BYTES + 1) if upload else b""
        dropped = self._drop_pending_imports(declaration)
        found = self._compare_workbook(declaration, definition, data)
        if found.problems or not found.changes:
            db.session.commit()
            discard(dropped)
            if found.problems:
                return self._form_page(declaration, definition, lifecycle.content(declaration), {}, found.problems)
            flash(gettext("Excel 与当前申报内容一致，没有需要导入的修改。"), "info")
            return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))
        pending = store(data, original_name=upload.filename or "申报书.xlsx", purpose=workbook.PENDING_IMPORT,
                        content_type=workbook.XLSX_TYPE, extension=".xlsx", declaration_id=declaration.id,
                        organization_id=declaration.organization_id, uploaded_by_id=g.user.id)
        db.session.commit()
        discard(dropped)
        return redirect(url_for(f"{self.__class__.__name__}.preview_workbook", pk=pk, import_id=pending.id))

    @expose("/workbook-import/<int:pk>/<int:import_id>")
    @has_access
    def preview_workbook(self, pk, import_id):
        """What the pending import would change, field by field, with every value it would erase flagged."""
        found = self._pending_import(pk, import_id)
        if not isinstance(found, tuple):
            return found
        declaration, pending, result = found
        current = lifecycle.content(declaration)
        return self.render_template(
            "declarations/workbook_preview.html", declaration=declaration,
            definition=lifecycle.definition_of(declaration), pending=pending, changes=result.changes,
            erased=result.erased, fingerprint=workbook.fingerprint(current), view_name=self.__class__.__name__,
            kind_label={"added": gettext("新增"), "changed": gettext("修改"), "erased": gettext("将清空")})

    @expose("/workbook-import/<int:pk>/<int:import_id>/confirm", methods=["POST"])
    @has_access
    def confirm_workbook(self, pk, import_id):
        """Applies exactly what was previewed: the stored workbook (named by its digest in the form) is read and
        checked again, and if the content changed since the preview, the preview is shown again instead of
        overwriting."""
        found = self._pending_import(pk, import_id)
        if not isinstance(found, tuple):
            return found
        declaration, pending, result = found
        if request.form.get("workbook") != pending.sha256:  # an id reused by a newer upload of this person
            flash(gettext("这次 Excel 导入已被新的上传替换，请核对新上传的内容。"), "warning")
            return redirect(url_for(f"{self.__class__.__name__}.preview_workbook", pk=pk, import_id=import_id))
        if request.form.get("fingerprint") != workbook.fingerprint(lifecycle.content(declaration)):
            flash(gettext("预览之后申报内容已有改动，请重新核对以下修改后再确认导入。"), "warning")
            return redirect(url_for(f"{self.__class__.__name__}.preview_workbook", pk=pk, import_id=import_id))
        regions, industries = reference_codes()
        problems = lifecycle.save_content(declaration, result.values, regions=regions, industries=industries,
                                          now=clock.now())
        if problems:  # the workbook was checked a moment ago; this is only a guard
            db.session.rollback()
            return self._form_page(declaration, lifecycle.definition_of(declaration), lifecycle.content(declaration),
                                   {}, [f"{path}: {message}" for path, message in problems.errors.items()])
        key = pending.storage_key
        db.session.delete(pending)
        try:
            lifecycle.flush(db.session)  # a concurrent save or confirmation of this declaration wins
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
            return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))
        db.session.commit()
        discard([key])
        flash(gettext("已从 Excel 导入并保存（%(count)d 处修改）。", count=len(result.changes)), "success")
        return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))

    @expose("/workbook-import/<int:pk>/<int:import_id>/cancel", methods=["POST"])
    @has_access
    def cancel_workbook(self, pk, import_id):
        """取消导入: the pending workbook is discarded and the content stays as it is."""
        declaration = self._scoped(pk)
        dropped = self._drop_pending_imports(declaration)
        db.session.commit()
        discard(dropped)
        flash(gettext("已取消 Excel 导入，申报内容未改动。"), "info")
        return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))

    def _compare_workbook(self, declaration: Declaration, definition, data: bytes) -> workbook.Import:
        regions, industries = reference_codes()
        try:
            return workbook.compare(definition, lifecycle.content(declaration), data, regions=regions,
                                    industries=industries, names=reference_names())
        except DomainError as refused:
            return workbook.Import({}, (), (say(refused),))

    def _pending_import(self, pk: int, import_id: int):
        """(the declaration, the pending import, what it would change), or the page to show instead: a
        declaration that cannot be edited now says why; an import that is gone or belongs to another declaration
        or person sends back to the form; a workbook that no longer passes (the form or reference data changed)
        is discarded and its problems shown."""
        declaration = self._editable(pk)
        if not isinstance(declaration, Declaration):
            return declaration
        pending = db.session.get(Attachment, import_id)
        if pending is None or pending.purpose != workbook.PENDING_IMPORT \
                or pending.declaration_id != declaration.id or pending.uploaded_by_id != g.user.id:
            flash(gettext("这次 Excel 导入已失效（已确认、已取消或已被新的上传替换），请重新上传。"), "warning")
            return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=declaration.id))
        definition = lifecycle.definition_of(declaration)
        try:
            data = read_stored(pending)
        except (OSError, ValueError):
            data = b""
        result = self._compare_workbook(declaration, definition, data)
        if result.problems:
            dropped = self._drop_pending_imports(declaration)
            db.session.commit()
            discard(dropped)
            return self._form_page(declaration, definition, lifecycle.content(declaration), {}, result.problems)
        return declaration, pending, result

    def _drop_pending_imports(self, declaration: Declaration) -> list[str]:
        """Removes this person's pending imports of the declaration; returns their files, to discard after
        the commit."""
        rows = db.session.scalars(select(Attachment).where(
            Attachment.declaration_id == declaration.id, Attachment.purpose == workbook.PENDING_IMPORT,
            Attachment.uploaded_by_id == g.user.id)).all()
        keys = [row.storage_key for row in rows]
        for row in rows:
            db.session.delete(row)
        return keys

    @expose("/attach/<int:pk>", methods=["POST"])
    @has_access
    def attach(self, pk):
        declaration = self._editable(pk)
        if not isinstance(declaration, Declaration):
            return declaration
        definition = lifecycle.definition_of(declaration)
        path = request.form.get("field", "")
        item = next((i for s, i in definition.all_fields() if f"{s.key}.{i.key}" == path and i.kind == "file"), None)
        upload = request.files.get("file")
        if item is None or upload is None or not upload.filename:
            flash(gettext("请选择附件项目和文件"), "danger")
            return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))
        try:
            kind = uploads.inspect_attachment(upload.stream, item.accept or tuple(uploads.ATTACHMENT_TYPES))
        except DomainError as refused:
            flash_refusal(refused)
            return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))
        attachment = store(upload.stream, original_name=upload.filename, purpose="form_file", content_type=kind.content_type,
                           extension=kind.extension, declaration_id=declaration.id,
                           organization_id=declaration.organization_id, uploaded_by_id=g.user.id)
        section_key, field_key = path.split(".")
        values = {k: dict(v) for k, v in lifecycle.content(declaration).items()}
        current = list((values.get(section_key) or {}).get(field_key) or [])
        values.setdefault(section_key, {})[field_key] = (current + [attachment.id]) if item.multiple else [attachment.id]
        declaration.form_data = values
        declaration.updated_at = clock.now()
        db.session.commit()
        flash(gettext("附件已上传：%(name)s", name=attachment.original_name), "success")
        return redirect(url_for(f"{self.__class__.__name__}.edit_content", pk=pk))


def _copy_licence(declaration: Declaration) -> int | None:
    """The organization's registered 营业执照, copied into a new draft as one of its own files."""
    licence = db.session.scalars(select(Attachment).where(
        Attachment.organization_id == declaration.organization_id, Attachment.purpose == "licence",
        Attachment.declaration_id.is_(None)).order_by(Attachment.id.desc())).first()
    if licence is None:
        return None
    try:
        data = read_stored(licence)
    except (FileNotFoundError, ValueError):
        return None
    copied = store(data, original_name=licence.original_name, purpose="form_file",
                   content_type=licence.content_type, extension=_extension_of(licence),
                   declaration_id=declaration.id, organization_id=declaration.organization_id,
                   uploaded_by_id=g.user.id)
    return copied.id


def _extension_of(attachment: Attachment) -> str:
    return {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}.get(attachment.content_type, ".bin")


def _keep_typed(definition, submitted: dict, stored: dict, regions, industries) -> dict:
    """On a refused save the page shows what was typed, even the cells that did not parse."""
    cleaned, _ = forms.clean(definition, submitted, regions=regions, industries=industries)
    return forms.typed_again(definition, submitted, cleaned, stored)


def reference_codes() -> tuple[set[str], set[str]]:
    """Valid region and industry codes, for checking form values."""
    return (reference("region_codes", lambda: set(db.session.scalars(select(Region.code)))),
            reference("industry_codes", lambda: set(db.session.scalars(select(Industry.code)))))


def reference_names() -> dossier.Names:
    """What region and industry codes stand for, shared per process like the choices they come from."""
    return reference("names", lambda: dossier.Names(regions=dict(region_choices()), industries=dict(
        db.session.execute(select(Industry.code, Industry.name)).all())))


def _sent_back(declaration: Declaration, records) -> ReviewRecord | None:
    """The 退回修改 the applicant is answering: the latest return, while the declaration is back with it."""
    if DeclarationStatus(declaration.status) not in (DeclarationStatus.RETURNED, DeclarationStatus.DRAFT):
        return None
    latest = next((r for r in reversed(records) if r.action in ("return", "submit")), None)
    return latest if latest is not None and latest.action == "return" else None


def industry_choices():
    return reference("industry_choices", lambda: db.session.execute(
        select(Industry.code, Industry.name).where(Industry.level == 4).order_by(Industry.code)).all())


def region_choices():
    """(code, 河北省石家庄市长安区) for every region."""
    def load():
        rows = db.session.execute(select(Region.id, Region.code, Region.name, Region.parent_id)).all()
        by_id = {row.id: row for row in rows}

        def full(row):
            return (full(by_id[row.parent_id]) if row.parent_id else "") + row.name

        return sorted((row.code, full(row)) for row in rows)

    return reference("region_choices", load)


class ReviewDeclarationView(DeclarationListView):
    """申报审核: what passes through the reviewer's authority; the ministry sees everything submitted."""

    route_base = "/review/declarations"
    class_permission_name = "ReviewDeclaration"
    audience = Audience.REVIEWER
    list_title = show_title = _l("申报审核")
    list_template = "declarations/review_list.html"
    base_order = ("submitted_at", "desc")
    base_permissions = [*DeclarationListView.base_permissions, "can_decide"]
    method_permission_name = {**DeclarationListView.method_permission_name, "decide": "decide", "export": "download",
                              "regions": "list",
                              **{f"{name}_selected": "decide" for name in lifecycle.REVIEW_DECISIONS}}
    list_columns = ["submitted_at", "unit_name", "title", "declaration_type", "batch", "status", *LEVEL_COLUMNS,
                    "package_state"]
    list_filters = [["id", DeclarationFilterBar, None]]

    @expose("/export/", methods=["GET", "POST"])
    @has_access
    def export(self):
        """The list as xlsx: the same scope and filters as the page, every matching row. Up to EXPORT_JOB_ROWS
        rows download at once (streamed to a temporary file with openpyxl's write-only mode); more are offered as
        a background job, which the POST starts with the ids of the matching rows taken now."""
        get_filter_args(self._filters)
        query = self._filters.get_joined_filters(self._base_filters).apply_all(db.session.query(Declaration))
        query = query.order_by(Declaration.submitted_at.desc(), Declaration.id.desc())
        name = f"申报审核列表-{clock.today().isoformat()}.xlsx"
        if request.method == "POST":
            ids = db.session.scalars(query.with_entities(Declaration.id).statement).all()
            return started(jobs.start(REVIEW_EXPORT, g.user.id, name, {"ids": ids}))
        limit = export_threshold()
        count = query.with_entities(Declaration.id).order_by(None).limit(limit + 1).count()
        if count <= limit:
            return xlsx_rows(name, "申报列表", EXPORT_COLUMNS, export_rows(query), EXPORT_WIDTHS)
        return self.render_template(
            "jobs/start.html", title=gettext("导出 Excel"), action=request.full_path,
            back=url_for(f"{self.__class__.__name__}.list", **request.args),
            explanation=gettext("符合条件的申报超过 %(limit)d 条，文件将在后台生成：生成时可以离开本页，完成后在“我的导出”中下载。",
                                limit=limit))

    @expose("/regions/")
    @has_access
    def regions(self):
        """The region filter's next select: the regions under `?parent=<id>` inside the reviewer's area."""
        return jsonify(DeclarationFilterBar.children(param_id(request.args.get("parent"))))

    def _confirm(self, name: str, items):
        transition = lifecycle.TRANSITIONS[name]
        return self.render_template("declarations/decide.html", items=items, decision=name,
                                    action=_action_label(name), needs_opinion=transition.needs_opinion,
                                    ministry=Actor.of(g.user).authority_kind is AuthorityKind.MINISTRY,
                                    view_name=self.__class__.__name__)

    @action("approve", _l("审核通过"), None, "fa-check", multiple=True, single=False)
    def approve_selected(self, items):
        return self._confirm("approve", items)

    @action("return", _l("退回修改"), None, "fa-undo", multiple=True, single=False)
    def return_selected(self, items):
        return self._confirm("return", items)

    @action("reject", _l("不予推荐"), None, "fa-ban", multiple=True, single=False)
    def reject_selected(self, items):
        return self._confirm("reject", items)

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs.update(agency_flags=agencies.flagged(db.session, Actor.of(g.user), clock.today()))
            kwargs.update(DeclarationFilterBar.choices(), view_name=self.__class__.__name__,
                          decisions=[(n, lifecycle.TRANSITIONS[n]) for n in lifecycle.REVIEW_DECISIONS])
        return super().render_template(template, **kwargs)

    @expose("/decide", methods=["POST"])
    @has_access
    def decide(self):
        """审核通过 / 退回修改 / 不予推荐 on a selection, with a result for every item."""
        name = request.form.get("decision", "")
        if name not in lifecycle.REVIEW_DECISIONS:
            abort(400)
        ids = [int(pk) for pk in request.form.getlist("rowid") if is_id(pk)][:100]
        declarations = [self._scoped(pk) for pk in ids]
        if not declarations:
            flash(gettext("请先勾选要审核的申报"), "warning")
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        opinion = request.form.get("opinion", "").replace("\x00", "")
        results = lifecycle.bulk(db.session, declarations, name, Actor.of(g.user), self.audience,
                                 now=clock.now(), ip=request.remote_addr, opinion=opinion)
        db.session.commit()
        return self.render_template("declarations/decision_results.html", title=gettext("审核结果"),
                                    action=_action_label(name), view_name=self.__class__.__name__,
                                    results=[(d, say(m) if m else None) for d, m in results])


def _action_label(name: str) -> str:
    """An action as this user calls it: the ministry's decisions are final and worded so (通过（拟入选）, 不予通过)."""
    ministry = Actor.of(g.user).authority_kind is AuthorityKind.MINISTRY
    return gettext(lifecycle.action_label(name, ReviewLevel.MINISTRY if ministry else None))


EXPORT_LAYOUT = [("编号", 8), ("单位名称", 32), ("申报名称", 32), ("统一社会信用代码", 21), ("所在地区", 26),
                 ("所属行业", 26), ("申报类型", 16), ("批次", 16), ("状态", 18), ("提交时间", 19),
                 ("县/区审核", 10), ("市审核", 10), ("省/集团审核", 11), ("工信部审核", 10), ("三方评价机构", 28),
                 ("评价得分", 9), ("联系人", 10), ("联系电话", 15)]
EXPORT_COLUMNS = [name for name, _ in EXPORT_LAYOUT]
EXPORT_WIDTHS = [width for _, width in EXPORT_LAYOUT]


def export_rows(query):
    """The rows of an export: only the exported columns, read in chunks as plain rows in one statement, the
    contacts read inside the database and the regions' full names from one cached map, so that an export
    costs little more than writing its rows."""
    kind, batch, agency = aliased(DeclarationType), aliased(Batch), aliased(Organization)
    columns = (query.with_entities(
        Declaration.id, Declaration.unit_name, Declaration.title, Organization.credit_code, Declaration.region_id,
        Industry.code, Industry.name, kind.name, batch.year, batch.name, type_coerce(Declaration.status, String),
        Declaration.submitted_at, *(type_coerce(getattr(Declaration, c), String) for c in LEVEL_COLUMNS),
        agency.name, Declaration.score, *recommendation.contact_columns())
        .join(kind, kind.id == Declaration.declaration_type_id).join(batch, batch.id == Declaration.batch_id)
        .join(Organization, Organization.id == Declaration.organization_id)
        .outerjoin(Industry, Industry.id == Declaration.industry_id)
        .outerjoin(agency, agency.id == Declaration.agency_id)
        .statement.execution_options(yield_per=2000))
    places = region_names()
    status = {m.value: m.label for m in DeclarationStatus}
    step = {m.value: m.label for m in StepState}
    step[None] = ""
    for (pk, unit_name, title, credit_code, region_id, industry_code, industry_name, type_name, year, batch_name,
         state, submitted, county, city, top, ministry, agency_name, score, contact, phone
         ) in db.session.connection().execute(columns):  # plain rows: no ORM loading of 100,000 tuples
        yield [pk, unit_name, title or "", credit_code or "", places.get(region_id, ""),
               f"{industry_code} {industry_name}" if industry_code else "", type_name,
               Batch.title_of(year, batch_name), status[state], submitted, step[county], step[city], step[top],
               step[ministry], agency_name or "", float(score) if score is not None else None, contact, phone]


REVIEW_EXPORT = "review_export"


@jobs.kind(REVIEW_EXPORT, N_("申报审核列表"))
def review_export(parameters: dict) -> jobs.Sheet:
    """A large review-list export as a job: the rows of the ids taken when it was asked for, in that order,
    read a chunk of ids at a time through the same columns as a direct export."""
    ids = list(parameters.get("ids") or ())

    def chunks():
        for start in range(0, len(ids), EXPORT_CHUNK):
            part = ids[start:start + EXPORT_CHUNK]
            place = {pk: n for n, pk in enumerate(part)}
            rows = list(export_rows(db.session.query(Declaration).filter(Declaration.id.in_(part))))
            rows.sort(key=lambda row: place[row[0]])
            yield rows

    return jobs.Sheet("申报列表", EXPORT_COLUMNS, len(ids), chunks(), EXPORT_WIDTHS)


EXPORT_CHUNK = 10000  # ids per statement: few statements, and a chunk's rows stay small in memory


def region_names() -> dict[int, str]:
    """Every region's full name (河北省石家庄市长安区) by id, shared per process for a minute."""
    return reference("region full names", lambda: full_names(db.session, db.session.scalars(select(Region.id)).all()))


class AgencyDeclarationView(DeclarationListView):
    """待评价申报: declarations whose applicant sent them to this agency."""

    route_base = "/agency/declarations"
    class_permission_name = "AgencyDeclaration"
    audience = Audience.AGENCY
    list_title = show_title = _l("待评价申报")
    list_columns = ["submitted_at", "unit_name", "title", "declaration_type", "batch", "status", "score"]
    base_order = ("updated_at", "desc")


def applicant_view_for(declaration_type: DeclarationType) -> type[ApplicantDeclarationView]:
    """The applicant's list of one declaration type, e.g. 绿色工厂 at /declarations/green_factory/."""
    return type(
        f"ApplicantDeclarationView_{declaration_type.code}",
        (ApplicantDeclarationView,),
        {
            "route_base": f"/declarations/{declaration_type.code}",
            "declaration_type_code": declaration_type.code,
            "extra_filters": [["declaration_type_id", FilterEqual, declaration_type.id]],
            "list_title": declaration_type.name,
            "show_title": declaration_type.name,
            "__doc__": f"{declaration_type.name}: the active organization's declarations of this type.",
        },
    )
