"""第三方机构监管: the ministry's and a province's supervision of agencies, and an agency's own page (cap usage,
spot checks, 不再采信, 年度工作报告). The rules and the scope are app/domain/agency.py: every page, form and
download reads the agency, the spot check or the report through it, so another scope's id gets 404."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from sqlalchemy import select

from app import clock
from app.domain import DomainError, agency as agencies
from app.domain.scope import Actor
from app.domain.uploads import inspect_pdf
from app.extensions import db
from app.models import AgencyReport, AgencySpotCheck, AgencySuspension, Attachment, AuthorityKind, Batch, Declaration, \
    DeclarationType, Organization
from app.storage import store
from app.views.base import form_text
from app.web.downloads import attachment_download
from app.web.ids import as_id
from app.web.language import say
from app.web.refusals import field_errors, flash_refusal

SPOT_CHECK_FILE = "agency_spot_check"
REPORT_FILE = "agency_report"


def _year() -> int:
    """The year asked for (?year=), within reason, else this year."""
    year = request.args.get("year", "")
    today = clock.today()
    return int(year) if year.isdigit() and len(year) == 4 and 2000 <= int(year) <= today.year + 1 else today.year


def _upload(purpose: str, organization_id: int | None) -> tuple[Attachment | None, str | None]:
    """An optional PDF chosen in the form, checked by content and stored under a generated name."""
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None, None
    try:
        inspect_pdf(upload.stream, subject="附件")
    except DomainError as refused:
        return None, say(refused)
    return store(upload.stream, original_name=upload.filename.replace("\x00", ""), purpose=purpose,
                 content_type="application/pdf", extension=".pdf", organization_id=organization_id,
                 uploaded_by_id=g.user.id), None


def _history(events):
    return [(e, gettext(agencies.EVENT_LABELS.get(e.action, e.action))) for e in events]


class AgencySupervisionView(BaseView):
    """For the ministry (every agency) and a province (the agencies its declarations chose); other reviewers
    have nothing to supervise here and get 403."""

    route_base = "/agency-supervision"
    class_permission_name = "AgencySupervision"
    base_permissions = ["can_list", "can_show", "can_act", "can_download"]
    method_permission_name = {"index": "list", "show": "show", "spot_check": "act", "suspend": "act", "lift": "act",
                              "download": "download"}
    default_view = "index"

    def _actor(self) -> Actor:
        actor = Actor.of(g.user)
        if not agencies.may_supervise(actor):
            abort(403)
        return actor

    def _agency(self, actor: Actor, agency_id: int) -> Organization:
        agency = agencies.supervised(db.session, actor, agency_id)
        if agency is None:
            abort(404)
        return agency

    @expose("/")
    @has_access
    def index(self):
        actor, year = self._actor(), _year()
        rows = agencies.overview(db.session, actor, year, clock.today())
        return self.render_template("agency/supervision_index.html", title=gettext("第三方机构监管"), rows=rows,
                                    year=year, masked=agencies.masked,
                                    ministry=actor.authority_kind is AuthorityKind.MINISTRY)

    @expose("/agency/<int:agency_id>")
    @has_access
    def show(self, agency_id):
        actor = self._actor()
        return self._page(actor, self._agency(actor, agency_id))

    def _page(self, actor: Actor, agency: Organization, **extra):
        year, today = _year(), clock.today()
        return self.render_template(
            "agency/supervision_show.html", title=agency.name, agency=agency, year=year,
            standing=agencies.standing(db.session, actor, agency, year, today), masked=agencies.masked,
            spot_checks=(checks := agencies.spot_checks(db.session, actor, agency.id)),
            declaration_names=_declaration_names(checks), suspensions=agencies.suspensions(db.session, agency.id),
            reports=agencies.reports(db.session, agency.id),
            history=_history(agencies.events(db.session, agency.id)),
            checkable=agencies.checkable(db.session, actor, agency), findings=agencies.FINDINGS,
            ministry=actor.authority_kind is AuthorityKind.MINISTRY, today=today.isoformat(),
            download_url=lambda i: url_for("AgencySupervisionView.download", attachment_id=i),
            spot_form=extra.get("spot_form", {}), spot_errors=extra.get("spot_errors", {}),
            suspend_form=extra.get("suspend_form", {}), suspend_errors=extra.get("suspend_errors", {}))

    @expose("/spot-check/<int:agency_id>", methods=["POST"])
    @has_access
    def spot_check(self, agency_id):
        actor = self._actor()
        agency = self._agency(actor, agency_id)
        form = {key: form_text(key) for key in ("checked_on", "finding", "opinion")}
        form["declarations"] = [v.replace("\x00", "") for v in request.form.getlist("declarations")][:500]
        attachment, problem = _upload(SPOT_CHECK_FILE, None)
        try:
            agencies.record_spot_check(db.session, actor, agency, clock.now(), checked_on=form["checked_on"],
                                       declaration_ids=form["declarations"], finding=form["finding"],
                                       opinion=form["opinion"], attachment=attachment, attachment_error=problem)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
            return self._page(actor, agency, spot_form=form, spot_errors=field_errors(refused))
        flash(gettext("抽查记录已保存"), "success")
        return redirect(url_for("AgencySupervisionView.show", agency_id=agency.id))

    @expose("/suspend/<int:agency_id>", methods=["POST"])
    @has_access
    def suspend(self, agency_id):
        actor = self._actor()
        agency = self._agency(actor, agency_id)
        form = {key: form_text(key) for key in ("starts", "ends", "reason")}
        try:
            agencies.suspend(db.session, actor, agency, clock.now(), **form)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
            return self._page(actor, agency, suspend_form=form, suspend_errors=field_errors(refused))
        flash(gettext("已设置不再采信：%(starts)s 至 %(ends)s", starts=form["starts"], ends=form["ends"]), "success")
        return redirect(url_for("AgencySupervisionView.show", agency_id=agency.id))

    @expose("/lift/<int:suspension_id>", methods=["POST"])
    @has_access
    def lift(self, suspension_id):
        actor = self._actor()
        suspension = db.session.get(AgencySuspension, suspension_id)
        if suspension is None:
            abort(404)
        agency = self._agency(actor, suspension.agency_id)
        try:
            agencies.lift(db.session, actor, suspension, clock.now(), form_text("reason"))
            db.session.commit()
            flash(gettext("已提前解除不再采信"), "success")
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
        return redirect(url_for("AgencySupervisionView.show", agency_id=agency.id))

    @expose("/download/<int:attachment_id>")
    @has_access
    def download(self, attachment_id):
        """A spot check's file the person may read, or the annual report of an agency they supervise."""
        actor = self._actor()
        check = db.session.scalar(select(AgencySpotCheck).where(
            AgencySpotCheck.attachment_id == attachment_id, agencies.spot_check_scope(actor)))
        report = db.session.scalar(select(AgencyReport).where(AgencyReport.attachment_id == attachment_id))
        if check is not None and agencies.supervised(db.session, actor, check.agency_id) is not None:
            return attachment_download(check.attachment)
        if report is not None and agencies.supervised(db.session, actor, report.agency_id) is not None:
            return attachment_download(report.attachment)
        abort(404)


def _declaration_names(spot_checks) -> dict[int, str]:
    """How a spot check names the declarations it looked at, for its supervisors and the agency alike (they were
    chosen or evaluated by the agency): the unit, the type and the batch."""
    ids = {i for check in spot_checks for i in check.declaration_ids or []}
    if not ids:
        return {}
    return {pk: f"{name}（{gettext(type_name)}，{Batch.title_of(year, batch)}）" for pk, name, type_name, year, batch
            in db.session.execute(select(Declaration.id, Declaration.unit_name, DeclarationType.name, Batch.year,
                                         Batch.name)
                                  .join(DeclarationType, DeclarationType.id == Declaration.declaration_type_id)
                                  .join(Batch, Batch.id == Declaration.batch_id).where(Declaration.id.in_(ids)))}


class AgencyOwnView(BaseView):
    """机构监管信息: the agency's own page: its legal representative's cap usage, its spot checks, 不再采信 and its
    annual work reports (filed here)."""

    route_base = "/agency/supervision"
    class_permission_name = "AgencyOwn"
    base_permissions = ["can_show", "can_act", "can_download"]
    method_permission_name = {"index": "show", "report": "act", "download": "download"}
    default_view = "index"

    def _agency(self) -> tuple[Actor, Organization]:
        actor = Actor.of(g.user)
        agency = db.session.get(Organization, actor.organization_id) if actor.organization_id else None
        if agency is None or actor.org_type != "agency":
            abort(404)
        return actor, agency

    @expose("/")
    @has_access
    def index(self, **extra):
        actor, agency = self._agency()
        year, today = _year(), clock.today()
        years = agencies.report_years(today)
        return self.render_template(
            "agency/own.html", title=gettext("机构监管信息"), agency=agency, year=year,
            standing=agencies.standing(db.session, actor, agency, year, today), masked=agencies.masked,
            spot_checks=(checks := agencies.spot_checks(db.session, actor, agency.id)),
            declaration_names=_declaration_names(checks), suspensions=agencies.suspensions(db.session, agency.id),
            reports=agencies.reports(db.session, agency.id),
            history=_history(agencies.events(db.session, agency.id)), years=years,
            download_url=lambda i: url_for("AgencyOwnView.download", attachment_id=i),
            report_form=extra.get("report_form", {"year": str(years[0])}), report_errors=extra.get("report_errors", {}))

    @expose("/report", methods=["POST"])
    @has_access
    def report(self):
        actor, agency = self._agency()
        form = {key: form_text(key) for key in ("year", "projects", "evaluators", "summary")}
        attachment, problem = _upload(REPORT_FILE, agency.id)
        try:
            agencies.file_report(db.session, actor, clock.now(), **form, attachment=attachment,
                                 attachment_error=problem)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
            return self.index(report_form=form, report_errors=field_errors(refused))
        flash(gettext("%(year)s年度工作报告已提交", year=form["year"]), "success")
        return redirect(url_for("AgencyOwnView.index"))

    @expose("/download/<int:attachment_id>")
    @has_access
    def download(self, attachment_id):
        """The agency's own report files and the files of its own spot checks."""
        actor, agency = self._agency()
        attachment_id = as_id(str(attachment_id))
        report = db.session.scalar(select(AgencyReport).where(
            AgencyReport.attachment_id == attachment_id, AgencyReport.agency_id == agency.id))
        check = db.session.scalar(select(AgencySpotCheck).where(
            AgencySpotCheck.attachment_id == attachment_id, agencies.spot_check_scope(actor)))
        found = report.attachment if report is not None else check.attachment if check is not None else None
        if found is None:
            abort(404)
        return attachment_download(found)
