"""Declarations and everything that happens to them: review steps, review records, evaluations."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.vocabulary import Channel, DeclarationStatus, ReviewLevel, StepState
from app.models.authority import Authority
from app.models.catalog import Batch, DeclarationType, FormDefinition
from app.models.organization import Organization
from app.models.types import IDS_NEVER_REUSED, enum_type

if TYPE_CHECKING:
    from app.models.recommendation import RecommendationPackage


# The condition of each level's partial index of the declarations in review there (`figures.in_review_at`).
IN_REVIEW_AT = "status = 'under_review' AND {0}_step = 'in_review'"
# What the reviewers' filter bar narrows a scope by, besides status and dates.
FILTERED = ("batch_id", "declaration_type_id", "region_id", "industry_id")


class Declaration(Model):
    """One declaration of one organization, of one type, in one batch.

    The review chain is fixed at 上报 and copied onto the row as one authority column per level
    (`county_authority_id`, `city_authority_id`, `top_authority_id` for 省/集团/协会), plus the
    authority whose turn it is (`pending_authority_id`). These are the reviewers' scope keys: a
    reviewer's list is an index range on one of them, never a join through regions.
    """

    __tablename__ = "declaration"
    __table_args__ = (
        Index("ix_declaration_org_type_created", "organization_id", "declaration_type_id", "created_at"),
        Index("ix_declaration_pending", "pending_authority_id", "submitted_at"),
        Index("ix_declaration_county_scope", "county_authority_id", "status", "submitted_at"),
        Index("ix_declaration_city_scope", "city_authority_id", "status", "submitted_at"),
        Index("ix_declaration_top_scope", "top_authority_id", "status", "submitted_at"),
        # 全部 (no status): a scope's newest first, read in order and stopped after one page
        Index("ix_declaration_county_submitted", "county_authority_id", "submitted_at"),
        Index("ix_declaration_city_submitted", "city_authority_id", "submitted_at"),
        Index("ix_declaration_top_submitted", "top_authority_id", "submitted_at"),
        # a filtered list's count, answered from the index alone instead of a province's rows; kept apart from
        # the ordered indexes above, which SQLite (without statistics) stops choosing once they are wider
        Index("ix_declaration_county_filter", "county_authority_id", "status", *FILTERED),
        Index("ix_declaration_city_filter", "city_authority_id", "status", *FILTERED),
        Index("ix_declaration_top_filter", "top_authority_id", "status", *FILTERED),
        # 待我审核 inside a scope: counted from these, not from every row of the reviewer's region
        Index("ix_declaration_county_pending", "county_authority_id", "pending_authority_id", "submitted_at"),
        Index("ix_declaration_city_pending", "city_authority_id", "pending_authority_id", "submitted_at"),
        Index("ix_declaration_top_pending", "top_authority_id", "pending_authority_id", "submitted_at"),
        Index("ix_declaration_status_submitted", "status", "submitted_at"),
        Index("ix_declaration_submitted", "submitted_at"),  # the ministry's national list, newest first
        Index("ix_declaration_agency", "agency_id", "status"),
        Index("ix_declaration_batch_type", "batch_id", "declaration_type_id", "status"),
        # those in review at each level, by batch and type, oldest submission first: the dashboard's overdue list
        *(Index(f"ix_declaration_in_review_{level}", "batch_id", "declaration_type_id", "submitted_at", "id",
                postgresql_where=text(IN_REVIEW_AT.format(level)), sqlite_where=text(IN_REVIEW_AT.format(level)))
          for level in ("county", "city", "top", "ministry")),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    unit_name: Mapped[str] = mapped_column(String(128))  # the 单位名称 at creation, for lists without a join
    title: Mapped[Optional[str]] = mapped_column(String(200))  # product, technology or standard name
    status: Mapped[DeclarationStatus] = mapped_column(
        enum_type(DeclarationStatus, 24), default=DeclarationStatus.DRAFT
    )
    channel: Mapped[Optional[Channel]] = mapped_column(enum_type(Channel))
    round: Mapped[int] = mapped_column(Integer, default=0)  # 上报 count; each resubmission is a new round
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organization.id"))
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    province_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    industry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("industry.id"), index=True)
    county_authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    city_authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    top_authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    pending_authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    # The current round's state at each level, copied from its review steps so a list row needs no join.
    county_step: Mapped[Optional[StepState]] = mapped_column(enum_type(StepState))
    city_step: Mapped[Optional[StepState]] = mapped_column(enum_type(StepState))
    top_step: Mapped[Optional[StepState]] = mapped_column(enum_type(StepState))
    ministry_step: Mapped[Optional[StepState]] = mapped_column(enum_type(StepState))
    form_definition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("form_definition.id"))
    form_data: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)  # the whole form: not for lists
    score: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )
    submitted_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    # Set when the top authority approves in a national batch: the package it is recommended in, and its rank there.
    package_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("recommendation_package.id", use_alter=True, name="fk_declaration_package"), index=True)
    package_rank: Mapped[Optional[int]] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    # Small tables, joined in the same statement so that a list page costs the same for 25 or 100 rows.
    declaration_type: Mapped[DeclarationType] = relationship(lazy="joined", innerjoin=True)
    batch: Mapped[Batch] = relationship(lazy="joined", innerjoin=True)
    agency: Mapped[Optional[Organization]] = relationship(foreign_keys=[agency_id], lazy="joined")
    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    form_definition: Mapped[Optional[FormDefinition]] = relationship()
    package: Mapped[Optional["RecommendationPackage"]] = relationship(lazy="joined")
    steps: Mapped[list["ReviewStep"]] = relationship(
        back_populates="declaration", order_by="(ReviewStep.round, ReviewStep.position)"
    )

    @property
    def status_label(self) -> str:
        return DeclarationStatus(self.status).label

    @property
    def package_state(self) -> str:
        """The recommendation package's state beside the status, as the manual's lists show it."""
        return self.package.state_label if self.package is not None else ""

    def __repr__(self) -> str:
        return f"{self.unit_name} · {self.declaration_type_id}"


class ReviewStep(Model):
    """One level of one round's review chain: 县/区, 市, 省/集团/协会, 工信部."""

    __tablename__ = "review_step"
    __table_args__ = (UniqueConstraint("declaration_id", "round", "level", name="uq_step_round_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # found by declaration through uq_step_round_level, whose first column it is
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[ReviewLevel] = mapped_column(enum_type(ReviewLevel))
    authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    state: Mapped[StepState] = mapped_column(enum_type(StepState), default=StepState.NOT_STARTED)
    started_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)  # when it became 审核中
    decided_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    declaration: Mapped[Declaration] = relationship(back_populates="steps")
    authority: Mapped[Optional[Authority]] = relationship()


class ReviewRecord(Model):
    """An immutable entry of a declaration's history: every decision and every applicant action."""

    __tablename__ = "review_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))  # a transition name of the lifecycle
    level: Mapped[Optional[ReviewLevel]] = mapped_column(enum_type(ReviewLevel))
    authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    from_status: Mapped[Optional[str]] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    opinion: Mapped[Optional[str]] = mapped_column(Text)
    ip: Mapped[Optional[str]] = mapped_column(String(45))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())

    authority: Mapped[Optional[Authority]] = relationship()


class Evaluation(Model):
    """One third-party evaluation round of a declaration (SPEC §3 item 2)."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("declaration_id", "round", name="uq_evaluation_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # requested, returned, accepted, disputed
    score: Mapped[Optional[Decimal]] = mapped_column(Numeric(5, 2))
    basic_requirements_met: Mapped[Optional[bool]] = mapped_column(Boolean)
    highlights: Mapped[Optional[str]] = mapped_column(String(100))  # 主要亮点 (≤ 100 字)
    conclusion: Mapped[Optional[str]] = mapped_column(Text)
    dispute: Mapped[Optional[str]] = mapped_column(Text)
    report_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id"))
    requested_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())
    returned_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    agency: Mapped[Organization] = relationship()


class SubmittedRound(Model):
    """What the applicant submitted at one 上报, kept as it was: the form's values and the attachments then in
    it. Reviewers decide on this; the next round is compared with it (what changed after 退回修改 or 取消上报)."""

    __tablename__ = "submitted_round"
    __table_args__ = (UniqueConstraint("declaration_id", "round", name="uq_submitted_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"))
    round: Mapped[int] = mapped_column(Integer)
    form_definition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("form_definition.id"))
    form_data: Mapped[dict] = mapped_column(JSON)
    # [{"id", "field", "name", "size", "uploaded_at"}]: the files as they were, by id (files are never rewritten)
    attachments: Mapped[list] = mapped_column(JSON)
    submitted_at: Mapped[datetime.datetime] = mapped_column(DateTime)


class ImmutableRecordError(RuntimeError):
    pass


@event.listens_for(ReviewRecord, "before_update")
@event.listens_for(ReviewRecord, "before_delete")
@event.listens_for(SubmittedRound, "before_update")
@event.listens_for(SubmittedRound, "before_delete")
def _review_records_are_immutable(mapper, connection, target):
    raise ImmutableRecordError("审核记录不可修改或删除")
