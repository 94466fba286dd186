"""Recommendation packages (推荐) and publications (公示, 名单): what an authority sends on, and what is announced."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.vocabulary import N_, PackageState, PublicationStage
from app.models.attachment import Attachment
from app.models.authority import Authority
from app.models.catalog import Batch, DeclarationType
from app.models.types import IDS_NEVER_REUSED, enum_type


class RecommendationPackage(Model):
    """A province's (group's, association's) recommendation of one declaration type in one batch.

    Its declarations are those the authority approved at its level, in the authority's ranking
    (`Declaration.package_rank`). It goes to the ministry only with the stamped 推荐函 and 汇总表.
    """

    __tablename__ = "recommendation_package"
    __table_args__ = (
        UniqueConstraint("batch_id", "declaration_type_id", "authority_id", name="uq_package_batch_type_authority"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    state: Mapped[PackageState] = mapped_column(enum_type(PackageState), default=PackageState.DRAFT, index=True)
    letter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id"))
    summary_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id"))
    submitted_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    # Not eager: a declaration list joins its package for the state alone; package lists join these themselves.
    batch: Mapped[Batch] = relationship()
    declaration_type: Mapped[DeclarationType] = relationship()
    authority: Mapped[Authority] = relationship()
    letter: Mapped[Optional[Attachment]] = relationship(foreign_keys=[letter_id])
    summary: Mapped[Optional[Attachment]] = relationship(foreign_keys=[summary_id])

    @property
    def state_label(self) -> str:
        """As the manual's list shows it: 已上传推荐函 · 未提交汇总表, or 已提交推荐 (message ids joined by " · ",
        which the views translate part by part)."""
        if self.state == PackageState.SUBMITTED:
            return PackageState.SUBMITTED.label
        letter = N_("已上传推荐函") if self.letter_id else N_("未上传推荐函")
        summary = N_("已上传汇总表") if self.summary_id else N_("未提交汇总表")
        return f"{letter} · {summary}"

    def __repr__(self) -> str:
        return f"{self.authority_id} · {self.batch_id} · {self.declaration_type_id}"


class PackageEvent(Model):
    """An immutable entry of a package's history: files uploaded, ranking saved, submitted, withdrawn."""

    __tablename__ = "package_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("recommendation_package.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())


class Publication(Model):
    """The announcement of a batch's approved declarations: 公示 for a period, then the final 名单."""

    __tablename__ = "publication"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), unique=True)
    stage: Mapped[PublicationStage] = mapped_column(enum_type(PublicationStage), index=True)
    title: Mapped[str] = mapped_column(String(200))
    notice: Mapped[Optional[str]] = mapped_column(Text)  # how to object: e-mail, telephone
    publicity_starts: Mapped[datetime.date] = mapped_column(Date)
    publicity_ends: Mapped[datetime.date] = mapped_column(Date)
    published_on: Mapped[Optional[datetime.date]] = mapped_column(Date)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    batch: Mapped[Batch] = relationship(lazy="joined", innerjoin=True)


@event.listens_for(PackageEvent, "before_update")
@event.listens_for(PackageEvent, "before_delete")
def _events_are_immutable(mapper, connection, target):
    raise RuntimeError("推荐记录不可修改或删除")
