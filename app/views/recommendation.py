"""推荐管理: a province's (group's, association's) recommendation packages, and the ministry's view of those sent.

Every page reads the package through `recommendation.package_scope` first, so another authority's package id
gives 404; every change goes through `app.domain.recommendation`.
"""
from __future__ import annotations


from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext, lazy_gettext as _l

from app import clock, jobs
from app.domain import DomainError, ErrorKind, recommendation, uploads
from app.domain.scope import Actor
from app.vocabulary import N_, PackageState, StepState
from app.extensions import db
from app.models import Attachment, Declaration, RecommendationPackage
from app.storage import store
from app.views.base import PlatformInterface, PlatformModelView, commit_or_flash, form_text
from app.views.jobs import started
from app.web.downloads import attachment_download
from app.web.language import translated_parts

UPLOAD_ACCEPTS = {"letter": ("pdf",), "summary": ("pdf", "xlsx")}


class PackageScope(BaseFilter):
    name = "数据范围"

    def apply(self, query, value):
        return query.filter(recommendation.package_scope(Actor.of(g.user)))


class RecommendationPackageView(PlatformModelView):
    """推荐管理: one row per batch and declaration type the authority recommends."""

    route_base = "/recommendations"
    datamodel = PlatformInterface(RecommendationPackage)
    class_permission_name = "RecommendationPackage"
    base_permissions = ["can_list", "can_show", "can_download", "can_act"]
    method_permission_name = {"summary_table": "download", "file": "download", "upload": "act", "rank_members": "act",
                              "reopen": "act", "submit": "act", "withdraw": "act"}
    base_filters = [["id", PackageScope, None]]
    base_order = ("id", "desc")
    list_title = show_title = _l("推荐管理")
    list_columns = ["batch.year", "batch.name", "declaration_type.name", "authority.name", "state_label",
                    "submitted_at"]
    list_select_columns = ["batch.year", "batch.name", "declaration_type.name", "authority.name", "state",
                           "letter_id", "summary_id", "submitted_at"]
    order_columns = ["submitted_at"]
    search_columns = ["submitted_at"]
    label_columns = {
        "batch.year": _l("年度"), "batch.name": _l("批次"), "declaration_type.name": _l("申报类型"),
        "authority.name": _l("推荐单位"), "state_label": _l("推荐状态"), "submitted_at": _l("提交时间"),
    }
    formatters_columns = {"state_label": translated_parts}
    show_template = "recommendation/show.html"

    def _scoped(self, pk) -> RecommendationPackage:
        package = self.datamodel.get(pk, self._base_filters)
        if package is None:
            abort(404)
        return package

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        package = self._scoped(pk)
        actor = Actor.of(g.user)
        rows = recommendation.ranked(db.session, package)
        own = actor.authority_id == package.authority_id
        return self.render_template(
            self.show_template, title=self.show_title, package=package, rows=rows,
            columns=recommendation.SUMMARY_COLUMNS, editable=own and package.state == PackageState.DRAFT,
            withdrawable=own and package.state == PackageState.SUBMITTED and all(
                declaration.ministry_step == StepState.IN_REVIEW for declaration, _ in rows),
            state_label=translated_parts(package.state_label),
            events=recommendation.history(db.session, package), event_labels=recommendation.EVENT_LABELS,
            file_labels=recommendation.FILE_LABELS, step_label=lambda s: gettext(StepState(s).label) if s else "",
        )

    @expose("/summary/<int:pk>", methods=["GET", "POST"])
    @has_access
    def summary_table(self, pk):
        """推荐汇总表 (xlsx), generated from the package in the authority's ranking, to print and stamp: a job
        (the POST starts it; the GET offers it), whose page offers the file when it is ready."""
        package = self._scoped(pk)
        if request.method == "POST":
            name = f"推荐汇总表-{package.authority.name}-{package.batch.title}-{package.declaration_type.name}.xlsx"
            return started(jobs.start(SUMMARY_TABLE, g.user.id, name, {"package_id": package.id}))
        return self.render_template(
            "jobs/start.html", title=gettext("推荐汇总表"), action=request.full_path,
            back=url_for(f"{self.__class__.__name__}.show", pk=pk),
            explanation=gettext("推荐汇总表按本推荐的排序在后台生成：生成时可以离开本页，完成后在“我的导出”中下载。"))

    @expose("/file/<int:pk>/<which>")
    @has_access
    def file(self, pk, which):
        package = self._scoped(pk)
        if which not in recommendation.FILE_PURPOSES:
            abort(404)
        attachment = db.session.get(Attachment, getattr(package, f"{which}_id") or 0)
        if attachment is None:
            abort(404)
        return attachment_download(attachment)

    @expose("/upload/<int:pk>/<which>", methods=["POST"])
    @has_access
    def upload(self, pk, which):
        package = self._scoped(pk)
        if which not in recommendation.FILE_PURPOSES:
            abort(404)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(gettext("请选择要上传的文件"), "warning")
            return self._back(pk)
        def store_it():
            recommendation.check_editable(package, Actor.of(g.user))  # before a file is written
            kind = uploads.inspect_attachment(upload.stream, UPLOAD_ACCEPTS[which])
            attachment = store(upload.stream, original_name=upload.filename, purpose=recommendation.FILE_PURPOSES[which],
                               content_type=kind.content_type, extension=kind.extension, uploaded_by_id=g.user.id)
            recommendation.attach(db.session, package, which, attachment, Actor.of(g.user), clock.now())

        return self._act(pk, store_it, gettext("已上传：%(file)s", file=gettext(recommendation.FILE_LABELS[which])))

    @expose("/rank/<int:pk>", methods=["POST"])
    @has_access
    def rank_members(self, pk):
        """保存排序: each row's number decides its place; ties keep the current order."""
        package = self._scoped(pk)
        current = recommendation.members(db.session, package)
        wanted = {}
        for position, declaration in enumerate(current, start=1):
            raw = request.form.get(f"rank_{declaration.id}", "").strip()
            if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
                flash(gettext("序号应为正整数"), "danger")
                return self._back(pk)
            wanted[declaration.id] = (int(raw), position)
        order = sorted(wanted, key=wanted.get)
        return self._act(pk, lambda: recommendation.rank(db.session, package, order, Actor.of(g.user), clock.now()),
                         gettext("推荐顺序已保存"))

    @expose("/reopen/<int:pk>/<int:declaration_id>", methods=["POST"])
    @has_access
    def reopen(self, pk, declaration_id):
        package = self._scoped(pk)
        declaration = db.session.get(Declaration, declaration_id)
        if declaration is None or declaration.package_id != package.id:
            abort(404)
        return self._act(pk, lambda: recommendation.reopen(
            db.session, package, declaration, Actor.of(g.user), clock.now(), form_text("opinion"), request.remote_addr),
            gettext("已移出推荐，该申报回到本部门待审核"))

    @expose("/submit/<int:pk>", methods=["POST"])
    @has_access
    def submit(self, pk):
        package = self._scoped(pk)
        return self._act(pk, lambda: recommendation.submit(db.session, package, Actor.of(g.user), clock.now(),
                                                           request.remote_addr),
                         gettext("已提交推荐，本推荐中的申报已全部报送工信部"))

    @expose("/withdraw/<int:pk>", methods=["POST"])
    @has_access
    def withdraw(self, pk):
        package = self._scoped(pk)
        return self._act(pk, lambda: recommendation.withdraw(db.session, package, Actor.of(g.user), clock.now(),
                                                             form_text("reason"), request.remote_addr),
                         gettext("已撤回推荐"))

    def _act(self, pk, change, done: str):
        commit_or_flash(change, done)
        return self._back(pk)

    def _back(self, pk):
        return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))


SUMMARY_TABLE = "summary_table"


@jobs.kind(SUMMARY_TABLE, N_("推荐汇总表"))
def summary_table(parameters: dict) -> jobs.Sheet:
    """The 推荐汇总表 of a package as it stands when the job runs (its ranking may have changed since)."""
    package = db.session.get(RecommendationPackage, parameters.get("package_id") or 0)
    if package is None:
        raise DomainError(jobs.GONE, kind=ErrorKind.NOT_FOUND)
    rows = recommendation.summary_rows(db.session, package)
    return jobs.Sheet("推荐汇总表", recommendation.SUMMARY_COLUMNS, len(rows), jobs.chunked(rows, 500))
