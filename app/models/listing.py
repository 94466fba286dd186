"""The 绿色制造名单 as data: every declaration that reached 发布名单 becomes a listed unit, whose standing is kept
after the list (有效, 复核中, 已撤销) with its history."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.catalog import BatchTier
from app.models.types import IDS_NEVER_REUSED, enum_type
from app.vocabulary import ListingStatus


class ListedUnit(Model):
    """One entry of a published list: what was listed (copied from the declaration when it was listed, so the
    public list needs no join through declarations), at which tier, by whom, and its standing now."""

    __tablename__ = "listed_unit"
    __table_args__ = (Index("ix_listed_unit_public", "year", "tier", "declaration_type_id"),
                      Index("ix_listed_unit_holder", "organization_id", "tier", "declaration_type_id", "status"),
                      IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    tier: Mapped[BatchTier] = mapped_column(enum_type(BatchTier))
    year: Mapped[int] = mapped_column(Integer)
    unit_name: Mapped[str] = mapped_column(String(128))
    title: Mapped[Optional[str]] = mapped_column(String(200))  # the product or technology, where the type has one
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"))
    province_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    industry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("industry.id"))
    listed_by_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))  # the batch's owner
    listed_on: Mapped[datetime.date] = mapped_column(Date)
    status: Mapped[ListingStatus] = mapped_column(enum_type(ListingStatus), default=ListingStatus.VALID, index=True)
    status_changed_on: Mapped[Optional[datetime.date]] = mapped_column(Date)
    reason: Mapped[Optional[str]] = mapped_column(Text)  # why it was revoked (撤销), as published
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    declaration = relationship("Declaration")
    organization = relationship("Organization")
    declaration_type = relationship("DeclarationType", lazy="joined")
    batch = relationship("Batch")
    listed_by = relationship("Authority")
    events: Mapped[list["ListingEvent"]] = relationship(back_populates="unit", order_by="ListingEvent.id")

    def __repr__(self) -> str:
        return f"{self.unit_name}（{self.tier.label}）"


class ListingEvent(Model):
    """The immutable history of a listed unit: listed, each 复核 step, 撤销 proposed and decided."""

    __tablename__ = "listing_event"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listed_unit_id: Mapped[int] = mapped_column(ForeignKey("listed_unit.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    opinion: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    unit: Mapped[ListedUnit] = relationship(back_populates="events")
