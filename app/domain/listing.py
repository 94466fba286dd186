"""The 绿色制造名单 after 发布名单 (SPEC §7, 动态管理): a published declaration becomes a listed unit.

`enter()` is called by the lifecycle's 发布名单 effect only, in the declaration's own transaction, so a unit is
listed exactly when its declaration is. Later changes of a unit's standing (复核, 撤销) are recorded here too,
each as a ListingEvent.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain import DomainError, ErrorKind, Message
from app.domain.scope import Actor, listed_unit_scope
from app.models import BatchTier, Declaration, ListedUnit, ListingEvent
from app.vocabulary import N_, ListingStatus


# What each step of a listed unit's history is called on pages (ListingEvent.action), whoever records it: the
# list itself, the 复核 transitions (recheck.py) and the 动态管理 filings (filing.py).
EVENT_LABELS = {
    "listed": N_("列入名单"),
    "recheck": N_("发起复核"),
    "maintain": N_("复核维持"),
    "propose_revoke": N_("建议撤销"),
    "revoke": N_("撤销"),
    "keep": N_("不予撤销"),
    "filed": N_("提交动态管理表"),
    "reminded": N_("填报提醒"),
    "overdue_reminded": N_("逾期提醒"),
}


NOT_FOUND = N_("未找到该名单单位，或不在您的查看范围内")


def which_listing(unit: ListedUnit) -> Message:
    """The listing a message is about, as its organization tells its listings apart (one may hold a 国家级 and a
    省级 绿色工厂 listing): its tier and year."""
    return Message(N_("%(tier)s名单 %(year)s年"), tier=BatchTier(unit.tier).label, year=str(unit.year))
NAME_MAX = 64


@dataclass(frozen=True)
class Search:
    """What a list of listed units is searched by: the public 绿色制造名单 and the reviewers' 动态复核 alike. The
    name matches the unit's or the product's."""

    year: int | None = None
    tier: BatchTier | None = None
    declaration_type_id: int | None = None
    province_id: int | None = None
    name: str = ""
    status: ListingStatus | None = None

    @classmethod
    def parse(cls, args) -> "Search":
        """From query arguments as typed: anything that is not a known value is no filter (never an error)."""
        def number(key, low, high):
            try:
                value = int(str(args.get(key) or "").strip())
            except ValueError:
                return None
            return value if low <= value <= high else None

        def member(enum_cls, key):
            try:
                return enum_cls(args.get(key) or "")
            except ValueError:
                return None

        return cls(year=number("year", 1990, 2200), tier=member(BatchTier, "tier"),
                   declaration_type_id=number("type", 1, 2**31 - 1), province_id=number("province", 1, 2**31 - 1),
                   name=str(args.get("name") or "").strip()[:NAME_MAX], status=member(ListingStatus, "status"))

    def as_args(self) -> dict:
        found = {"year": self.year, "tier": self.tier.value if self.tier else None, "type": self.declaration_type_id,
                 "province": self.province_id, "name": self.name or None,
                 "status": self.status.value if self.status else None}
        return {k: v for k, v in found.items() if v is not None}


def where(search: Search) -> list:
    """The WHERE clauses of a search; the caller adds its scope (none for the public list)."""
    found = []
    if search.year is not None:
        found.append(ListedUnit.year == search.year)
    if search.tier is not None:
        found.append(ListedUnit.tier == search.tier)
    if search.declaration_type_id is not None:
        found.append(ListedUnit.declaration_type_id == search.declaration_type_id)
    if search.province_id is not None:
        found.append(ListedUnit.province_id == search.province_id)
    if search.status is not None:
        found.append(ListedUnit.status == search.status)
    if search.name:
        pattern = "%" + search.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found.append(or_(ListedUnit.unit_name.like(pattern, escape="\\"), ListedUnit.title.like(pattern, escape="\\")))
    return found




def scoped_unit(session: Session, actor: Actor, unit_id) -> ListedUnit:
    """The listed unit with this id if the actor's scope holds it; otherwise the same "not found" as a missing one
    (the pages of 复核 and of 动态管理 alike)."""
    unit = session.scalar(select(ListedUnit).where(ListedUnit.id == unit_id, listed_unit_scope(actor))) \
        if isinstance(unit_id, int) else None
    if unit is None:
        raise DomainError(NOT_FOUND, kind=ErrorKind.NOT_FOUND)
    return unit


def enter(session: Session, declaration: Declaration, actor: Actor, now: datetime.datetime) -> ListedUnit:
    """List `declaration` under its batch's tier and owner, as valid from today."""
    batch = declaration.batch
    unit = ListedUnit(
        declaration_id=declaration.id, organization_id=declaration.organization_id,
        declaration_type_id=declaration.declaration_type_id, batch_id=batch.id, tier=batch.tier, year=batch.year,
        unit_name=declaration.unit_name, title=declaration.title, region_id=declaration.region_id,
        province_id=declaration.province_id, industry_id=declaration.industry_id, listed_by_id=batch.owner_id,
        listed_on=now.date(), status=ListingStatus.VALID, status_changed_on=now.date())
    session.add(unit)
    record(session, unit, "listed", actor, now, from_status=None, authority_id=batch.owner_id)
    return unit


def record(session: Session, unit: ListedUnit, action: str, actor: Actor, now: datetime.datetime, *,
           from_status: ListingStatus | None, authority_id: int | None = None, opinion: str | None = None) -> None:
    """Add the immutable history entry of a change of `unit`, which is already in its new standing."""
    session.add(ListingEvent(
        unit=unit, action=action, from_status=from_status.value if from_status else None,
        to_status=ListingStatus(unit.status).value, authority_id=authority_id, actor_id=actor.user_id,
        actor_name=actor.name, opinion=(opinion or "").strip() or None, created_at=now))
