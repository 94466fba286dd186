"""After the list: a listed unit's 复核 (each one a case, from its start to its outcome) and its 企业绿码 grades."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import IDS_NEVER_REUSED


class ListingRecheck(Model):
    """One 复核 of a listed unit: who started it, whether a 撤销 is proposed to the ministry, how it ended.
    `stage` is open (under review), proposed (撤销 proposed, the ministry decides) or closed."""

    __tablename__ = "listing_recheck"
    __table_args__ = (Index("ix_listing_recheck_stage", "stage", "listed_unit_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listed_unit_id: Mapped[int] = mapped_column(ForeignKey("listed_unit.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16), default="open")
    started_by_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    opinion: Mapped[Optional[str]] = mapped_column(Text)
    proposed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    proposed_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    proposal_reason: Mapped[Optional[str]] = mapped_column(Text)
    outcome: Mapped[Optional[str]] = mapped_column(String(16))  # maintained, revoked, not_revoked
    closed_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    unit = relationship("ListedUnit")
    started_by = relationship("Authority", foreign_keys=[started_by_id])
    proposed_by = relationship("Authority", foreign_keys=[proposed_by_id])


class GreenCodeShare(Model):
    """企业绿码 shares in percent, A+ / A / B, set by IT staff in the console: the row of a year, else the row
    without a year (the default), else 5 / 35 / 60."""

    __tablename__ = "green_code_share"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[Optional[int]] = mapped_column(Integer, unique=True)
    a_plus: Mapped[int] = mapped_column(Integer)
    a: Mapped[int] = mapped_column(Integer)
    b: Mapped[int] = mapped_column(Integer)


class GreenCode(Model):
    """The 企业绿码 of a national green factory for a year: its grade, its rank among the units of its industry,
    and the indicators that placed it there (the most different from the industry's average first)."""

    __tablename__ = "green_code"
    __table_args__ = (UniqueConstraint("listed_unit_id", "year"),
                      Index("ix_green_code_year_type", "year", "declaration_type_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listed_unit_id: Mapped[int] = mapped_column(ForeignKey("listed_unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"))
    industry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("industry.id"))
    grade: Mapped[str] = mapped_column(String(4))
    rank: Mapped[int] = mapped_column(Integer)
    peers: Mapped[int] = mapped_column(Integer)  # units of the industry graded that year, this one included
    score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    indicators: Mapped[list] = mapped_column(JSON)
    shares: Mapped[list] = mapped_column(JSON)  # the shares [A+, A, B] it was computed with
    computed_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    unit = relationship("ListedUnit")
