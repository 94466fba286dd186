"""动态管理 after the list (SPEC §7): the yearly and half-yearly filings of listed units, the windows they are
filed in, the reminders sent about them, and the platform's message centre that carries the reminders."""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
                        case)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import IDS_NEVER_REUSED, enum_type
from app.vocabulary import N_, FilingPeriod, FilingStatus, ReminderKind


class FilingWindow(Model):
    """The dates between which the listed units of one declaration type file their 动态管理表 for a year (or its
    first half), with the form definition whose indicators they fill in; closed when the year is closed."""

    __tablename__ = "filing_window"
    __table_args__ = (UniqueConstraint("declaration_type_id", "year", "period", name="uq_filing_window"),
                      IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # the year the indicators are of (2025 is filed by 2026-01-15)
    period: Mapped[FilingPeriod] = mapped_column(enum_type(FilingPeriod), default=FilingPeriod.ANNUAL)
    opens_on: Mapped[datetime.date] = mapped_column(Date)
    due_on: Mapped[datetime.date] = mapped_column(Date)
    form_definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id"))
    closed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    closed_on: Mapped[Optional[datetime.date]] = mapped_column(Date)

    declaration_type = relationship("DeclarationType", lazy="joined")
    form_definition = relationship("FormDefinition")

    @property
    def title(self) -> str:
        name = self.declaration_type.name if self.declaration_type is not None else ""
        period = "年度" if self.period == FilingPeriod.ANNUAL else "上半年"
        return f"{self.year}{period} {name}动态管理表"

    @hybrid_property
    def reported_period(self) -> int:
        """Where the window's reporting period ends, as a number that orders periods: the first half of a year,
        then the year, whatever order the windows were opened in."""
        return self.year * 2 + (1 if self.period == FilingPeriod.ANNUAL else 0)

    @reported_period.inplace.expression
    @classmethod
    def _reported_period_expression(cls):
        return cls.year * 2 + case((cls.period == FilingPeriod.ANNUAL, 1), else_=0)

    def state_on(self, day: datetime.date) -> str:
        if self.closed:
            return N_("已关闭")
        if day < self.opens_on:
            return N_("未开始")
        if day > self.due_on:
            return N_("已截止")  # a window is past its due date; its units are 逾期
        return N_("填报中")

    def __repr__(self) -> str:
        return self.title


class Filing(Model):
    """One listed unit's 动态管理表 in one window: the values typed, the score computed from its indicators."""

    __tablename__ = "filing"
    __table_args__ = (UniqueConstraint("window_id", "listed_unit_id", name="uq_filing_window_unit"),
                      IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("filing_window.id"), index=True)
    listed_unit_id: Mapped[int] = mapped_column(ForeignKey("listed_unit.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    status: Mapped[FilingStatus] = mapped_column(enum_type(FilingStatus), default=FilingStatus.DRAFT)
    form_data: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[Optional[Decimal]] = mapped_column(Numeric(8, 2))
    indicator_scores: Mapped[list] = mapped_column(JSON, default=list)  # [{key, label, value, score, max}]
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    submitted_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    submitter_name: Mapped[Optional[str]] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    window: Mapped[FilingWindow] = relationship(lazy="joined")
    unit = relationship("ListedUnit", lazy="joined")


class FilingReminder(Model):
    """A reminder sent to a unit about a window, at most once per unit, window and kind (the unique key)."""

    __tablename__ = "filing_reminder"
    __table_args__ = (UniqueConstraint("window_id", "listed_unit_id", "kind", name="uq_filing_reminder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("filing_window.id"), index=True)
    listed_unit_id: Mapped[int] = mapped_column(ForeignKey("listed_unit.id"))
    kind: Mapped[ReminderKind] = mapped_column(enum_type(ReminderKind))
    message_id: Mapped[Optional[int]] = mapped_column(ForeignKey("message.id"))
    sent_at: Mapped[datetime.datetime] = mapped_column(DateTime)


class Message(Model):
    """A message of the platform's message centre, to an organization (everyone acting for it) or to a user."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_organization", "organization_id", "id"),
                      Index("ix_message_user", "user_id", "id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[Optional[str]] = mapped_column(String(300))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    # {"subject": {"id": msgid, "params": {...}}, "body": …}: how the platform said it, to say it in the reader's
    # language (app.domain.messages.shown); None for a text nobody can translate
    texts: Mapped[Optional[dict]] = mapped_column(JSON)


class MessageRead(Model):
    """That a user has read a message (an organization's message is read or unread per person)."""

    __tablename__ = "message_read"
    __table_args__ = (UniqueConstraint("message_id", "user_id", name="uq_message_read"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    read_at: Mapped[datetime.datetime] = mapped_column(DateTime)
