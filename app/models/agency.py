"""Agency supervision (SPEC §7): the spot checks of a third-party evaluation agency, the periods in which its
reports are not accepted (不再采信), its annual work reports, and the history of every change made to them.

The legal representative's identity is on the organization itself (`Organization.legal_representative_id_number`):
agencies with the same number are under one legal representative, whose yearly cap they share."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import IDS_NEVER_REUSED


class AgencySpotCheck(Model):
    """抽查: a province or the ministry checked some declarations an agency evaluated, and found so."""

    __tablename__ = "agency_spot_check"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)  # who checked
    checked_on: Mapped[datetime.date] = mapped_column(Date)
    declaration_ids: Mapped[list] = mapped_column(JSON)  # the declarations checked, each in the checker's scope
    finding: Mapped[str] = mapped_column(String(16))  # 合格, 基本合格, 不合格
    opinion: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    agency = relationship("Organization")
    authority = relationship("Authority")
    attachment = relationship("Attachment")


class AgencySuspension(Model):
    """不再采信: from `starts_on` to `ends_on`, both days included, the agency cannot be chosen and its pending
    evaluations are flagged; the ministry may end it early (`lifted_on`: no longer in force from that day)."""

    __tablename__ = "agency_suspension"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    starts_on: Mapped[datetime.date] = mapped_column(Date)
    ends_on: Mapped[datetime.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    lifted_on: Mapped[Optional[datetime.date]] = mapped_column(Date)
    lift_reason: Mapped[Optional[str]] = mapped_column(Text)
    lifted_by_name: Mapped[Optional[str]] = mapped_column(String(128))
    lifted_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    agency = relationship("Organization")


class AgencyReport(Model):
    """年度工作报告: one per agency and year, filed by the agency (a later filing replaces it, the history keeps
    that it did)."""

    __tablename__ = "agency_report"
    __table_args__ = (UniqueConstraint("agency_id", "year", name="uq_agency_report_year"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    projects: Mapped[int] = mapped_column(Integer)  # evaluation projects undertaken that year
    evaluators: Mapped[int] = mapped_column(Integer)  # evaluators employed
    summary: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    agency = relationship("Organization")
    attachment = relationship("Attachment")


class AgencyEvent(Model):
    """The immutable history of an agency's supervision: who changed what, when (法定代表人, 抽查, 不再采信 set or
    ended, 年度工作报告 filed)."""

    __tablename__ = "agency_event"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    detail: Mapped[Optional[str]] = mapped_column(Text)
    authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    authority = relationship("Authority")
