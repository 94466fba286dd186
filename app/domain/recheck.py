"""复核 and 撤销 of listed units (SPEC §7, 动态管理) as data: a table of listing transitions and one `apply`.

The province whose scope holds a unit (`listed_unit_scope`) starts a 复核 (有效 → 复核中) with its opinion and
ends it: 维持 (→ 有效), or 建议撤销 with the reason (the unit stays 复核中 and the proposal waits for the
ministry). The ministry decides a proposal: 撤销 (→ 已撤销, the reason and the date published on the unit) or
不予撤销 (→ 有效). The ministry may start a 复核 itself, and then ends it with 维持 or 撤销 directly. 撤销 is
decided by whoever published the unit's list: the ministry for national units; a province decides on the units of
its own provincial (or city) lists itself, without a proposal and without a ministry step (SPEC §7, tiers).

Each 复核 is a ListingRecheck (its stage: open, proposed, closed); every step is a ListingEvent of the unit.
Pages draw their buttons from `offers()`; every action goes through `apply()`, which reads the unit through the
scope, checks again, changes the unit, its 复核 and its history, and flushes: the unit's version column makes a
second, concurrent decision on the same unit fail instead of overwriting the first. The caller commits.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.domain import DomainError, ErrorKind, Message, listing, messages
from app.domain.scope import Actor, listed_unit_scope
from app.models import AuthorityKind, ListedUnit, ListingRecheck
from app.vocabulary import ListingStatus as L, N_

STALE = N_("该名单单位刚刚已被他人处理，本次操作未执行，请刷新后查看最新状态")
OPINION_MAX = 2000

OPEN, PROPOSED, CLOSED = "open", "proposed", "closed"
EVENT_LABELS = listing.EVENT_LABELS  # the history's names, kept with the history
STAGE_LABELS = {OPEN: N_("复核中"), PROPOSED: N_("已建议撤销，待工信部审定"), CLOSED: N_("已结束")}


@dataclass
class Context:
    session: Session
    unit: ListedUnit
    actor: Actor
    now: datetime.datetime
    recheck: ListingRecheck | None  # the unit's 复核 in progress, if any
    args: dict


Guard = Callable[[Context], "str | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset  # listing statuses it starts from
    stages: frozenset  # stages of the 复核 in progress it starts from (None: none in progress)
    who: frozenset  # authority kinds that may take it
    guards: tuple[Guard, ...]
    effect: Callable[[Context], None]
    target: L
    opinion_prompt: str = N_("请填写复核意见")
    confirm: str | None = None


# --- guards -------------------------------------------------------------------------------------

def _started_by_me(ctx: Context) -> str | None:
    if ctx.recheck is None or ctx.recheck.started_by_id != ctx.actor.authority_id:
        return N_("该复核由其他部门发起，只能由发起部门办理")
    return None


def _decides(ctx: Context) -> str | None:
    """撤销 is decided by the authority that published the unit's list: the ministry for a national unit, the
    province for its own provincial (or city) list, which needs no ministry step."""
    if ctx.unit.listed_by_id != ctx.actor.authority_id:
        return N_("撤销由工信部审定") if ctx.unit.listed_by.kind == MINISTRY else N_("撤销由名单发布部门审定")
    return None


def _not_deciding(ctx: Context) -> str | None:
    if ctx.unit.listed_by_id == ctx.actor.authority_id:
        return N_("本部门发布的名单单位由本部门直接审定撤销，无需提出建议")
    return None


def _proposal_or_own(ctx: Context) -> str | None:
    """The ministry decides a province's proposal, or ends a 复核 it started itself."""
    if ctx.recheck is not None and (ctx.recheck.stage == PROPOSED or ctx.recheck.started_by_id == ctx.actor.authority_id):
        return None
    return N_("该复核尚未提出撤销建议，待发起复核的部门办理")


# --- effects ------------------------------------------------------------------------------------

def _start(ctx: Context) -> None:
    ctx.session.add(ListingRecheck(listed_unit_id=ctx.unit.id, stage=OPEN, started_by_id=ctx.actor.authority_id,
                                   started_at=ctx.now, opinion=ctx.args["opinion"]))


def _close(outcome: str) -> Callable[[Context], None]:
    def effect(ctx: Context) -> None:
        ctx.recheck.stage, ctx.recheck.outcome, ctx.recheck.closed_at = CLOSED, outcome, ctx.now
    return effect


def _propose(ctx: Context) -> None:
    ctx.recheck.stage = PROPOSED
    ctx.recheck.proposed_by_id, ctx.recheck.proposed_at = ctx.actor.authority_id, ctx.now
    ctx.recheck.proposal_reason = ctx.args["opinion"]


def _revoke(ctx: Context) -> None:
    _close("revoked")(ctx)
    ctx.unit.reason = ctx.args["opinion"]  # published on the unit, with the date


PROVINCE, MINISTRY = AuthorityKind.PROVINCE, AuthorityKind.MINISTRY
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("recheck", N_("发起复核"), frozenset({L.VALID}), frozenset({None}), frozenset({PROVINCE, MINISTRY}),
               (), _start, L.UNDER_RECHECK, N_("请填写复核意见（发起复核的原因）")),
    Transition("maintain", N_("复核维持"), frozenset({L.UNDER_RECHECK}), frozenset({OPEN}),
               frozenset({PROVINCE, MINISTRY}), (_started_by_me,), _close("maintained"), L.VALID,
               N_("请填写复核结论")),
    Transition("propose_revoke", N_("建议撤销"), frozenset({L.UNDER_RECHECK}), frozenset({OPEN}), frozenset({PROVINCE}),
               (_not_deciding, _started_by_me), _propose, L.UNDER_RECHECK, N_("请填写建议撤销的原因"),
               N_("确定向工信部提出撤销建议吗？撤销由工信部审定。")),
    Transition("revoke", N_("撤销"), frozenset({L.UNDER_RECHECK}), frozenset({OPEN, PROPOSED}),
               frozenset({PROVINCE, MINISTRY}), (_decides, _proposal_or_own), _revoke, L.REVOKED, N_("请填写撤销原因（将在名单中公布）"),
               N_("确定撤销该单位的名单资格吗？撤销原因和日期将在名单中公布。")),
    Transition("keep", N_("不予撤销"), frozenset({L.UNDER_RECHECK}), frozenset({PROPOSED}),
               frozenset({PROVINCE, MINISTRY}), (_decides,), _close("not_revoked"), L.VALID, N_("请填写不予撤销的理由")),
)}
# Guards that say the transition is not this actor's at all (another authority decides): pages leave it out
# instead of showing it disabled; `apply` still refuses it with the reason.
NOT_OFFERED = (_decides, _not_deciding)


def _offered(transition: Transition, ctx: Context) -> bool:
    stage = ctx.recheck.stage if ctx.recheck is not None else None
    answers_a_proposal = transition.stages == frozenset({PROPOSED})  # 不予撤销: only once a proposal waits
    return ctx.actor.authority_kind in transition.who and L(ctx.unit.status) in transition.sources \
        and not (answers_a_proposal and stage != PROPOSED) \
        and not any(guard in transition.guards and guard(ctx) is not None for guard in NOT_OFFERED)


@dataclass(frozen=True)
class Offer:
    transition: Transition
    refusal: str | None

    @property
    def enabled(self) -> bool:
        return self.refusal is None


def in_progress(session: Session, unit: ListedUnit) -> ListingRecheck | None:
    return session.scalar(select(ListingRecheck).where(ListingRecheck.listed_unit_id == unit.id,
                                                       ListingRecheck.stage != CLOSED)
                          .order_by(ListingRecheck.id.desc()).limit(1))


def _refusal(transition: Transition, ctx: Context) -> str | None:
    if ctx.actor.authority_kind not in transition.who:
        return N_("只有省级主管部门和工信部可以办理名单复核") if transition.who == {PROVINCE, MINISTRY} else \
            N_("撤销建议由省级主管部门提出") if transition.who == {PROVINCE} else N_("撤销由工信部审定")
    status = L(ctx.unit.status)
    if status not in transition.sources:
        if status is L.REVOKED:
            return N_("该单位已被撤销名单资格，不能再办理")
        return N_("该单位正在复核中，不能重复发起") if status is L.UNDER_RECHECK else N_("该单位不在复核中")
    stage = ctx.recheck.stage if ctx.recheck is not None else None
    if stage not in transition.stages:
        if stage == PROPOSED:  # the decider is told what it is for; anyone else that it waits
            return N_("已提出撤销建议，请审定：撤销或不予撤销") if _decides(ctx) is None else N_("已提出撤销建议，待工信部审定")
        return N_("该复核尚未提出撤销建议")
    for guard in transition.guards:
        if (reason := guard(ctx)) is not None:
            return reason
    return None


def offers(session: Session, unit: ListedUnit, actor: Actor, now: datetime.datetime) -> list[Offer]:
    """The transitions `actor` could take on the unit now from its status, each with why not, if so; none for
    those who never act on listings (cities, counties, the organization itself)."""
    ctx = Context(session, unit, actor, now, in_progress(session, unit), {})
    return [Offer(t, _refusal(t, ctx)) for t in TRANSITIONS.values() if _offered(t, ctx)]


def apply(session: Session, unit_id: int, name: str, actor: Actor, *, now: datetime.datetime,
          opinion: str = "", version: int | None = None) -> ListedUnit:
    """Check and take one transition on the unit `unit_id` as seen through the actor's scope; raise DomainError
    with the reason when it is refused. `version` is the unit's version the page was drawn from: a decision on a
    page another person has since acted on is refused too."""
    unit = listing.scoped_unit(session, actor, unit_id)
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(N_("未知的操作"), kind=ErrorKind.NOT_FOUND)
    if version is not None and version != unit.version:
        raise DomainError(STALE, kind=ErrorKind.CONFLICT)
    ctx = Context(session, unit, actor, now, in_progress(session, unit), {"opinion": (opinion or "").strip()})
    if (refused := _refusal(transition, ctx)) is not None:
        raise DomainError(refused)
    if not ctx.args["opinion"]:
        raise DomainError(transition.opinion_prompt, kind=ErrorKind.INVALID)
    if len(ctx.args["opinion"]) > OPINION_MAX:
        raise DomainError(N_("意见不能超过 2000 字"), kind=ErrorKind.INVALID)
    from_status = L(unit.status)
    try:
        transition.effect(ctx)
        if transition.target is not from_status:
            unit.status = transition.target
            unit.status_changed_on = now.date()
        flag_modified(unit, "status")  # always an UPDATE, so the version moves even when the status stays
        listing.record(session, unit, name, actor, now, from_status=from_status, authority_id=actor.authority_id,
                       opinion=ctx.args["opinion"])
        session.flush()
        _notify(ctx, transition)
    except StaleDataError:
        raise DomainError(STALE, kind=ErrorKind.CONFLICT)
    return unit


def _notify(ctx: Context, transition: Transition) -> None:
    """Every step reaches the listed organization's message centre; a proposal reaches the authority that decides
    it, and the decision the authority that proposed it."""
    unit, case = ctx.unit, ctx.recheck
    subject = Message(N_("名单动态：%(unit)s（%(type)s，%(listing)s）%(step)s"), unit=unit.unit_name,
                      type=unit.declaration_type.name, listing=listing.which_listing(unit), step=transition.label)
    body, link = Message(N_("%(step)s：%(opinion)s"), step=transition.label, opinion=ctx.args["opinion"]), \
        f"/listed-units/{unit.id}"
    messages.post(ctx.session, organization_id=unit.organization_id, subject=subject, body=body, link=link,
                  now=ctx.now)
    told = set()
    if transition.name == "propose_revoke":
        told.add(unit.listed_by_id)
    elif transition.name in ("revoke", "keep") and case is not None and case.proposed_by_id:
        told.add(case.proposed_by_id)
    for authority_id in told - {ctx.actor.authority_id}:
        messages.post_to_authority(ctx.session, authority_id, subject=subject, body=body, link=link, now=ctx.now)


def proposals(session: Session, actor: Actor) -> list[tuple[ListedUnit, ListingRecheck]]:
    """The ministry's queue: 复核 whose 撤销 is proposed and waits for its decision, the oldest first."""
    if actor.authority_kind is not MINISTRY:
        return []
    return list(session.execute(
        select(ListedUnit, ListingRecheck).join(ListingRecheck, ListingRecheck.listed_unit_id == ListedUnit.id)
        .where(ListingRecheck.stage == PROPOSED, listed_unit_scope(actor))
        .order_by(ListingRecheck.proposed_at, ListingRecheck.id)).all())


def units(session: Session, actor: Actor, search: listing.Search, *, offset: int = 0,
          limit: int = 50) -> tuple[list, int]:
    """The listed units in the actor's scope that the search finds, the newest listing first, with their count."""
    from sqlalchemy import func

    found = (listed_unit_scope(actor), *listing.where(search))
    query = select(ListedUnit).where(*found)
    total = session.scalar(select(func.count()).select_from(ListedUnit).where(*found)) or 0
    rows = session.scalars(query.order_by(ListedUnit.year.desc(), ListedUnit.id.desc()).offset(offset)
                           .limit(limit)).all()
    return list(rows), total


def row_offers(session: Session, rows: list[ListedUnit], actor: Actor, now: datetime.datetime) -> dict[int, list]:
    """`offers()` for a page of units, with their 复核 in progress read in one query."""
    if actor.authority_kind not in (PROVINCE, MINISTRY) or not rows:
        return {}
    open_ = {r.listed_unit_id: r for r in session.scalars(select(ListingRecheck).where(
        ListingRecheck.listed_unit_id.in_([u.id for u in rows]), ListingRecheck.stage != CLOSED))}
    found = {}
    for unit in rows:
        ctx = Context(session, unit, actor, now, open_.get(unit.id), {})
        found[unit.id] = [Offer(t, _refusal(t, ctx)) for t in TRANSITIONS.values() if _offered(t, ctx)]
    return found


def history(session: Session, unit: ListedUnit) -> list:
    """Every step of the unit's listing, oldest first, with the authority that took it."""
    from app.models import Authority, ListingEvent

    return list(session.execute(select(ListingEvent, Authority.name).outerjoin(
        Authority, Authority.id == ListingEvent.authority_id).where(ListingEvent.listed_unit_id == unit.id)
        .order_by(ListingEvent.id)).all())
