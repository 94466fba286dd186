"""我的导出: the person's background jobs, each with a page that shows its progress and then offers its file.

A job belongs to the person who started it: anyone else gets 404 for its page, its status and its file, whatever
their role (the rows in the file are the owner's scope, fixed when they asked for it).
"""
from __future__ import annotations

from flask import abort, current_app, g, jsonify, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from sqlalchemy import select

from app import jobs
from app.domain import DomainError
from app.extensions import db
from app.models import Job
from app.vocabulary import JobStatus
from app.web.downloads import attachment_download
from app.web.language import say

LISTED = 100  # the newest jobs the list shows


class JobView(BaseView):
    route_base = "/jobs"
    class_permission_name = "Job"
    base_permissions = ["can_list", "can_show", "can_download"]
    method_permission_name = {"index": "list", "show": "show", "status": "show", "file": "download"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        own = db.session.scalars(select(Job).where(Job.owner_id == g.user.id)
                                 .order_by(Job.id.desc()).limit(LISTED)).all()
        return self.render_template("jobs/index.html", title=gettext("我的导出"), jobs=own, labels=_labels())

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        job = _owned(pk)
        return self.render_template("jobs/show.html", title=gettext("我的导出"), job=job, labels=_labels(),
                                    error=_error(job), refresh_seconds=2)

    @expose("/<int:pk>/status")
    @has_access
    def status(self, pk):
        """What the job page's script polls: status, percent and rows, why it failed, where the file is."""
        job = _owned(pk)
        return jsonify(status=job.status.value, label=gettext(job.status.label), progress=job.progress,
                       done_rows=job.done_rows, total_rows=job.total_rows, error=_error(job),
                       file=url_for("JobView.file", pk=job.id) if job.attachment_id else None)

    @expose("/<int:pk>/file")
    @has_access
    def file(self, pk):
        job = _owned(pk)
        if job.status is not JobStatus.DONE or job.attachment is None:
            abort(404)
        return attachment_download(job.attachment)


def _owned(pk: int) -> Job:
    """The signed-in person's job, its state checked against the queue; anyone else's, or none: 404."""
    job = db.session.get(Job, pk)
    if job is None or job.owner_id != g.user.id:
        abort(404)
    jobs.notice_lost(job)
    return job


def _error(job: Job) -> str | None:
    if job.status is not JobStatus.FAILED:
        return None
    params = {key: tuple(value) if isinstance(value, list) else value for key, value in (job.error_params or {}).items()}
    return say(DomainError(job.error or jobs.FAILED, **params))


def _labels() -> dict[str, str]:
    return {name: gettext(kind.label) for name, kind in jobs.KINDS.items()}


def started(job: Job):
    """Where a person goes once their job is asked for: its page."""
    return redirect(url_for("JobView.show", pk=job.id), code=303)


def export_threshold() -> int:
    """Exports of more rows than this run as jobs; smaller ones download at once."""
    return current_app.config["EXPORT_JOB_ROWS"]
