"""Background jobs: who started which long piece of work, how far it got, and the file it made."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import IDS_NEVER_REUSED, enum_type
from app.vocabulary import JobStatus


class Job(Model):
    """One job. Kept in the database, not in Redis, so that its page answers on every instance; `parameters`
    is what the work needs (fixed when it was asked for, e.g. the ids of the requester's scope), `error` the
    message id of why it failed and `error_params` its values."""

    __tablename__ = "job"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255))  # the file's name, also the job's name in its list
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus), default=JobStatus.QUEUED)
    total_rows: Mapped[Optional[int]] = mapped_column(Integer)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    error: Mapped[Optional[str]] = mapped_column(String(500))
    error_params: Mapped[Optional[dict]] = mapped_column(JSON)
    attachment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    started_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    attachment = relationship("Attachment", lazy="joined")

    @property
    def progress(self) -> int:
        """Percent done: by rows while it runs, 100 once the file is stored."""
        if self.status is JobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.done_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
