"""The 绿色制造名单 after 发布名单 (SPEC §7, 动态管理): a published declaration becomes a listed unit.

`enter()` is called by the lifecycle's 发布名单 effect only, in the declaration's own transaction, so a unit is
listed exactly when its declaration is. Later changes of a unit's standing (复核, 撤销) are recorded here too,
each as a ListingEvent.
"""
from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import DomainError, ErrorKind
from app.domain.scope import Actor, listed_unit_scope
from app.models import Declaration, ListedUnit, ListingEvent
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
