"""公示与名单: the batch owner publishes a batch's results; anyone reads what is public, without logging in."""
from __future__ import annotations

import datetime

from flask import abort, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from sqlalchemy import select

from app import clock, jobs
from app.domain import DomainError, ErrorKind, publication as publishing
from app.domain.scope import Actor
from app.vocabulary import N_, DeclarationStatus as S, PublicationStage
from app.extensions import db
from app.models import Batch, Declaration, Publication
from app.views.base import commit_or_flash, form_text
from app.views.jobs import export_threshold, started
from app.web.downloads import xlsx_rows
from app.web.ids import as_id

PAGE_SIZE = 100
EXPORT_COLUMNS = ["序号", "单位名称", "申报名称", "所在地区", "申报类型"]


class PublicationView(BaseView):
    """For the ministry (national batches) and a province (its own batches)."""

    route_base = "/publications"
    class_permission_name = "Publication"
    base_permissions = ["can_list", "can_show", "can_download", "can_act"]
    method_permission_name = {"index": "list", "batch": "show", "export": "download", "start": "act",
                              "object_to": "act", "publish": "act"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        overview = publishing.overview(db.session, Actor.of(g.user))
        return self.render_template("publication/index.html", title=gettext("公示与名单"), overview=overview, S=S)

    def _owned_batch(self, batch_id) -> Batch:
        batch = db.session.get(Batch, batch_id)
        if batch is None or not publishing.may_manage(Actor.of(g.user), batch):
            abort(404)
        return batch

    def _owned_publication(self, publication_id) -> Publication:
        publication = db.session.get(Publication, publication_id)
        if publication is None or not publishing.may_manage(Actor.of(g.user), publication.batch):
            abort(404)
        return publication

    @expose("/batch/<int:batch_id>")
    @has_access
    def batch(self, batch_id):
        batch = self._owned_batch(batch_id)
        publication = db.session.scalar(select(Publication).where(Publication.batch_id == batch.id))
        page = _page()
        today = clock.today()
        context = dict(title=gettext("公示与名单"), batch=batch, publication=publication, page=page,
                       page_size=PAGE_SIZE, waiting=publishing.waiting(db.session, batch))
        if publication is None:
            context.update(by_type=publishing.approved_by_type(db.session, batch), form=_start_form(batch, today))
        else:
            context.update(entries=list(publishing.entries(db.session, publication,
                                                           offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)),
                           total=publishing.entry_count(db.session, publication))
        return self.render_template("publication/batch.html", **context)

    @expose("/start/<int:batch_id>", methods=["POST"])
    @has_access
    def start(self, batch_id):
        batch = self._owned_batch(batch_id)
        form = {key: form_text(key) for key in ("title", "starts", "ends", "notice")}
        if commit_or_flash(lambda: publishing.start_publicity(
                db.session, batch, Actor.of(g.user), clock.now(), title=form["title"],
                starts=_date(form["starts"]), ends=_date(form["ends"]), notice=form["notice"], ip=request.remote_addr),
                gettext("已开始公示")):
            return redirect(url_for("PublicationView.batch", batch_id=batch.id))
        return self.render_template("publication/batch.html", title=gettext("公示与名单"), batch=batch,
                                    publication=None, form=form, waiting=publishing.waiting(db.session, batch),
                                    by_type=[], page=1, page_size=PAGE_SIZE)

    @expose("/object/<int:publication_id>/<int:declaration_id>", methods=["POST"])
    @has_access
    def object_to(self, publication_id, declaration_id):
        publication = self._owned_publication(publication_id)
        declaration = db.session.get(Declaration, declaration_id)
        if declaration is None or declaration.batch_id != publication.batch_id:
            abort(404)
        return self._act(publication, lambda: publishing.object_to(
            db.session, publication, declaration, Actor.of(g.user), clock.now(),
            form_text("opinion"), request.remote_addr),
            gettext("已不予通过并移出公示：%(name)s", name=declaration.unit_name))

    @expose("/publish/<int:publication_id>", methods=["POST"])
    @has_access
    def publish(self, publication_id):
        publication = self._owned_publication(publication_id)
        return self._act(publication, lambda: publishing.publish(
            db.session, publication, Actor.of(g.user), clock.now(), request.remote_addr),
            gettext("名单已发布"))

    @expose("/export/<int:publication_id>", methods=["GET", "POST"])
    @has_access
    def export(self, publication_id):
        """Up to EXPORT_JOB_ROWS entries download at once; a longer list is offered as a job (the POST)."""
        publication = self._owned_publication(publication_id)
        if request.method == "POST":
            return started(jobs.start(PUBLICATION_EXPORT, g.user.id, _export_name(publication),
                                      {"publication_id": publication.id}))
        limit = export_threshold()
        if publishing.entry_count(db.session, publication) <= limit:
            return _export(publication)
        return self.render_template(
            "jobs/start.html", title=gettext("导出 Excel"), action=request.full_path,
            back=url_for("PublicationView.batch", batch_id=publication.batch_id),
            explanation=gettext("名单超过 %(limit)d 条，文件将在后台生成：生成时可以离开本页，完成后在“我的导出”中下载。",
                                limit=limit))

    def _act(self, publication: Publication, change, done: str):
        commit_or_flash(change, done)
        return redirect(url_for("PublicationView.batch", batch_id=publication.batch_id))


class PublicNoticeView(BaseView):
    """公示公告: open to everyone, without login. Shows only publications whose publicity has begun."""

    route_base = "/gongshi"
    default_view = "index"

    @expose("/")
    def index(self):
        publications = db.session.scalars(
            select(Publication).where(publishing.public_stage_clause(clock.today()))
            .order_by(Publication.publicity_starts.desc(), Publication.id.desc())).all()
        return self.render_template("publication/public_index.html", title=gettext("公示公告"),
                                    publications=publications)

    def _public(self, publication_id) -> Publication:
        publication = db.session.scalar(select(Publication).where(
            Publication.id == publication_id, publishing.public_stage_clause(clock.today())))
        if publication is None:
            abort(404)
        return publication

    @expose("/<int:publication_id>")
    def show(self, publication_id):
        publication = self._public(publication_id)
        type_id = as_id(request.args.get("type"))
        page = _page()
        return self.render_template(
            "publication/public_show.html", title=publication.title, publication=publication,
            types=publishing.listed_types(db.session, publication),
            type_id=type_id, page=page, page_size=PAGE_SIZE,
            total=publishing.entry_count(db.session, publication, type_id),
            entries=list(publishing.entries(db.session, publication, declaration_type_id=type_id,
                                            offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)),
            published=publication.stage == PublicationStage.PUBLISHED)

    @expose("/<int:publication_id>/export")
    def export(self, publication_id):
        return _export(self._public(publication_id))


def _export(publication: Publication):
    """The publicity list or the final list as xlsx, streamed in write-only mode (the public page's always: an
    anonymous visitor has no jobs)."""
    return xlsx_rows(_export_name(publication), "名单", EXPORT_COLUMNS,
                     _export_rows(publishing.entries(db.session, publication)))


def _export_name(publication: Publication) -> str:
    stage = "名单" if publication.stage == PublicationStage.PUBLISHED else "公示名单"
    return f"{publication.batch.title}{stage}.xlsx"


def _export_rows(entries, first: int = 1):
    return ([n, r.unit_name, r.title or "", r.region or "", r.type_name] for n, r in enumerate(entries, first))


PUBLICATION_EXPORT = "publication_export"
EXPORT_CHUNK = 2000


@jobs.kind(PUBLICATION_EXPORT, N_("公示名单"))
def publication_export(parameters: dict) -> jobs.Sheet:
    """A long publicity or final list as a job, a page of entries at a time (each read completely)."""
    publication = db.session.get(Publication, parameters.get("publication_id") or 0)
    if publication is None:
        raise DomainError(jobs.GONE, kind=ErrorKind.NOT_FOUND)
    total = publishing.entry_count(db.session, publication)

    def chunks():
        for offset in range(0, total, EXPORT_CHUNK):
            yield list(_export_rows(publishing.entries(db.session, publication, offset=offset, limit=EXPORT_CHUNK),
                                    offset + 1))

    return jobs.Sheet("名单", EXPORT_COLUMNS, total, chunks())


def _start_form(batch: Batch, today: datetime.date) -> dict:
    return {"title": gettext("%(batch)s绿色制造名单公示", batch=batch.title), "starts": today.isoformat(),
            "ends": (today + datetime.timedelta(days=13)).isoformat(), "notice": ""}


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return min(max(page or 1, 1), 100_000)


