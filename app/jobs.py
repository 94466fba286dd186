"""Long work as background jobs: RQ on `REDIS_URL`, or the same work inline in the request without it (the
embedded default), so `make run` needs no Redis and no worker.

A job is a row (app.models.Job), so its page answers on every instance whichever worker ran it. The work is a
registered kind that turns the job's parameters (fixed when the person asked, e.g. the ids of their scope) into
one workbook sheet whose rows come in chunks; after each chunk the row count is committed, which is the progress
the job page shows. The file is written in openpyxl's write-only mode to a temporary file and streamed to the
object store (`app.storage.store`). A refusal (DomainError) or any other failure ends the job as failed with why.
"""
from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from flask import current_app
from sqlalchemy import update

from app import clock
from app.domain import DomainError, workbook
from app.extensions import db
from app.models import Job
from app.storage import store
from app.vocabulary import N_, JobStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUEUE = "jobs"
TIMEOUT_SECONDS = 2 * 3600
FAILED = N_("生成文件时出错，请稍后重新导出；如果再次失败，请联系系统管理员")
LOST = N_("后台任务意外中断（处理它的进程已退出），请重新导出")
NO_QUEUE = N_("后台任务队列暂时无法连接，请稍后重新导出")
GONE = N_("要导出的内容已不存在")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sheet:
    """What a job writes: one sheet of `total` rows, delivered as lists of rows (each chunk read completely
    before it is handed over, so that no database cursor stays open across a progress commit)."""

    title: str
    header: list[str]
    total: int
    chunks: Iterable[list[list]]
    widths: list[float] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # what the person asked for, in the list of their jobs
    build: Callable[[dict], Sheet]


KINDS: dict[str, Kind] = {}


def kind(name: str, label: str):
    """Registers `build(parameters) -> Sheet` as the work of jobs of this kind."""
    def register(build):
        KINDS[name] = Kind(name, label, build)
        return build
    return register


def chunked(rows: Iterable[list], size: int = 2000) -> Iterator[list[list]]:
    """Rows already read (or cheap to read) as chunks of `size`, for a kind whose rows come from one list."""
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def start(kind_name: str, owner_id: int, title: str, parameters: dict) -> Job:
    """Record a job for `owner_id` and queue it; without Redis, run it now. Returns the job (committed)."""
    if kind_name not in KINDS:
        raise ValueError(f"unknown job kind {kind_name!r}")
    job = Job(owner_id=owner_id, kind=kind_name, title=title[:255], status=JobStatus.QUEUED, done_rows=0,
              parameters=parameters, created_at=clock.now())
    db.session.add(job)
    db.session.commit()
    queue = _queue()
    if queue is None:
        run(job.id)
    else:
        try:
            queue.enqueue_call(perform, args=(job.id,), job_id=_rq_id(job.id), timeout=TIMEOUT_SECONDS,
                               result_ttl=600, failure_ttl=7 * 86400)
        except Exception:  # Redis unreachable: the job cannot run, and says so on its page
            log.exception("could not queue job %s", job.id)
            _fail(job.id, NO_QUEUE)
    db.session.refresh(job)
    return job


def run(job_id: int) -> None:
    """Do a queued job's work: mark it running, write its sheet with progress, store the file, mark it done;
    a failure rolls back what the work did and records why."""
    claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                                 .values(status=JobStatus.RUNNING, started_at=clock.now()))
    db.session.commit()
    if claimed.rowcount != 1:  # gone, or already taken (a job is run once, whoever else picked it up)
        return
    job = db.session.get(Job, job_id)
    work, parameters, title, owner_id = KINDS[job.kind], dict(job.parameters or {}), job.title, job.owner_id
    try:
        sheet = work.build(parameters)
        _set(job_id, total_rows=sheet.total)
        with tempfile.TemporaryFile() as handle:
            workbook.write_rows(handle, sheet.title, sheet.header, _counted(job_id, sheet.chunks), sheet.widths)
            handle.seek(0)
            attachment = store(handle, original_name=title, purpose="export", content_type=XLSX,
                               extension=".xlsx", uploaded_by_id=owner_id)
        _set(job_id, status=JobStatus.DONE, attachment_id=attachment.id, finished_at=clock.now())
    except DomainError as refused:
        db.session.rollback()
        _fail(job_id, refused.message_id, refused.params)
    except Exception:
        log.exception("job %s (%s) failed", job_id, work.name)
        db.session.rollback()
        _fail(job_id, FAILED)


def perform(job_id: int) -> None:
    """The worker's entry point (what RQ calls): the job, then a fresh session for the next one."""
    try:
        run(job_id)
    finally:
        db.session.remove()


def notice_lost(job: Job) -> None:
    """A job still queued or running whose RQ job failed (its work horse was killed, it timed out) or vanished
    has no one left to finish it: mark it failed, so that its page stops waiting."""
    queue = _queue()
    if queue is None or job.finished:
        return
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as QueuedJob, JobStatus as QueuedStatus

    try:
        state = QueuedJob.fetch(_rq_id(job.id), connection=queue.connection).get_status(refresh=True)
    except NoSuchJobError:
        state = None
    except Exception:  # Redis unreachable: nothing can be said about the job now
        return
    if state in (None, QueuedStatus.FAILED, QueuedStatus.STOPPED, QueuedStatus.CANCELED):
        db.session.refresh(job)
        if not job.finished:
            _fail(job.id, LOST)
            db.session.refresh(job)


def work(burst: bool = False) -> None:
    """Run an RQ worker on REDIS_URL in this app's context (`flask worker`)."""
    from rq import Worker

    queue = _queue()
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: without it jobs run inline and no worker is needed")
    db.session.remove()
    db.engine.dispose()  # each work horse is forked: no connection of this process may be shared with it
    Worker([queue], connection=queue.connection).work(burst=burst)


def _queue():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    connections = current_app.extensions.setdefault("job_queue", {})
    if url not in connections:
        connections[url] = Queue(current_app.config.get("JOB_QUEUE", QUEUE), connection=Redis.from_url(url))
    return connections[url]


def _rq_id(job_id: int) -> str:
    return f"job-{job_id}"


PROGRESS_SECONDS = 1.0  # the job page polls every few seconds: a fresher count would only cost commits


def _counted(job_id: int, chunks: Iterable[list[list]]) -> Iterator[list]:
    done, committed, at = 0, 0, time.monotonic()
    for chunk in chunks:
        yield from chunk
        done += len(chunk)
        if time.monotonic() - at >= PROGRESS_SECONDS:
            _set(job_id, done_rows=done)
            committed, at = done, time.monotonic()
    if done != committed:
        _set(job_id, done_rows=done)


def _set(job_id: int, **values) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def _fail(job_id: int, message: str, params: dict | None = None) -> None:
    _set(job_id, status=JobStatus.FAILED, error=message, error_params=_plain(params or {}) or None,
         finished_at=clock.now())


def _plain(params: dict) -> dict:
    """A refusal's values as JSON keeps them (tuples become lists, anything else its text)."""
    return {key: list(value) if isinstance(value, tuple) else value if isinstance(value, (str, int, float))
            else str(value) for key, value in params.items()}
