"""Tiers (梯度培育, SPEC §7): who opens which batch, whom a batch reaches, where its review ends, and the national
windows that accept only units already on a province's list.

- The ministry owns the 国家级 batches (console). A province opens its own 省级 batches, and 市级 ones too unless
  it lets its cities run the city tier (`Authority.cities_run_city_tier`); then each city opens its own.
- A batch owned by an authority reaches only the organizations whose own chain of authorities passes through it,
  and its review ends with that owner's decision (`cut_at_owner`, used by the lifecycle's review chain), which
  is also the owner that publishes it (publication.py) and that the listed units record.
- A window may require a valid (有效) 省级 listing of the same declaration type (`listing_refusal`, checked at
  新增填报 by the lifecycle).
- A province sees which of its valid 省级 units are national candidates (`candidates`).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.domain import DomainError, ErrorKind, catalog
from app.domain.scope import Actor, listed_unit_scope
from app.models import (
    Authority,
    AuthorityKind,
    Batch,
    BatchTier,
    BatchWindow,
    Declaration,
    DeclarationType,
    FormDefinition,
    ListedUnit,
    Organization,
)
from app.vocabulary import DeclarationStatus, ListingStatus, N_, ReviewLevel

NAME_MAX = 32  # Batch.name
NOTICE_MAX = 64  # Batch.notice_no
# The review level at which each kind of batch owner decides; levels above it do not apply to its batches.
OWNER_LEVEL = {AuthorityKind.CITY: ReviewLevel.CITY, AuthorityKind.PROVINCE: ReviewLevel.TOP}
LEVEL_ORDER = (ReviewLevel.COUNTY, ReviewLevel.CITY, ReviewLevel.TOP, ReviewLevel.MINISTRY)


def province_of(authority: Authority | None) -> Authority | None:
    """The province an authority belongs to: itself, or the nearest parent of kind province."""
    while authority is not None and authority.kind != AuthorityKind.PROVINCE:
        authority = authority.parent
    return authority


def tiers_open_to(authority: Authority | None) -> list[BatchTier]:
    """The tiers of batch `authority` may open itself: a province 省级 (and 市级 unless its cities run that
    tier), a city 市级 only where its province lets its cities run it; nobody else any."""
    if authority is None or not authority.active:
        return []
    if authority.kind == AuthorityKind.PROVINCE:
        return [BatchTier.PROVINCIAL] + ([] if authority.cities_run_city_tier else [BatchTier.CITY])
    if authority.kind == AuthorityKind.CITY:
        province = province_of(authority.parent)
        return [BatchTier.CITY] if province is not None and province.cities_run_city_tier else []
    return []


def owner_refusal(tier: BatchTier, owner: Authority | None) -> DomainError | None:
    """Why `owner` may not own a batch of `tier`, or None: a 国家级 batch is the ministry's, a 省级 or 市级 one an
    authority's that may open that tier (`tiers_open_to`). The console and 本级批次 check it here."""
    if BatchTier(tier) == BatchTier.NATIONAL:
        if owner is None or owner.kind != AuthorityKind.MINISTRY:
            return DomainError(N_("国家级批次的组织部门须为工业和信息化部"), kind=ErrorKind.INVALID)
        return None
    if BatchTier(tier) not in tiers_open_to(owner):
        return DomainError(N_("%(owner)s不能组织%(tier)s批次：省级批次由省级工信主管部门组织，市级批次由省或经省授权的市组织"),
                           owner=owner.name if owner else "", tier=BatchTier(tier).label, kind=ErrorKind.INVALID)
    return None


def may_run_rounds(authority: Authority | None) -> bool:
    """Whether the authority has a 本级批次 page: it may open some tier, or it is a province (which may always
    change whether its cities run the city tier)."""
    return authority is not None and (authority.kind == AuthorityKind.PROVINCE or bool(tiers_open_to(authority)))


@dataclass(frozen=True)
class WindowInput:
    """One declaration type's window as typed: dates and the form version (None: the type's newest)."""

    declaration_type_id: int
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    form_definition_id: int | None = None
    requires_provincial_listing: bool = False


def open_batch(session: Session, actor: Actor, *, tier: str, name: str, year: int | None, notice_no: str,
               windows: list[WindowInput], today: datetime.date) -> Batch:
    """A batch of the actor's own authority, with a window per declaration type. Every problem is named by its
    field at once (`errors`), and nothing is written unless there is none."""
    authority = session.get(Authority, actor.authority_id) if actor.authority_id else None
    allowed = tiers_open_to(authority)
    if not allowed:
        raise DomainError(N_("本部门不能组织申报批次"))
    errors: dict[str, str] = {}
    try:
        chosen = BatchTier(tier)
    except ValueError:
        chosen = None
    if chosen not in allowed:
        errors["tier"] = N_("请选择本部门可以组织的批次层级") if chosen != BatchTier.CITY or \
            authority.kind != AuthorityKind.PROVINCE else N_("本省已由各市组织市级批次，省里不再组织市级批次")
    name = (name or "").strip()
    if not name:
        errors["name"] = N_("请填写批次名称")
    elif len(name) > NAME_MAX:
        errors["name"] = N_("批次名称不能超过 32 字")
    if year is None or not (2000 <= year <= today.year + 1):
        errors["year"] = N_("请填写年度（2000 至明年）")
    notice_no = (notice_no or "").strip()
    if len(notice_no) > NOTICE_MAX:
        errors["notice_no"] = N_("通知文号不能超过 64 字")
    if not windows:
        errors["windows"] = N_("请至少开放一种申报类型，并填写其申报时间")
    if "name" not in errors and "year" not in errors and session.scalar(select(Batch.id).where(
            Batch.owner_id == authority.id, Batch.year == year, Batch.name == name)) is not None:
        errors["name"] = N_("本部门该年度已有同名批次")
    batch = Batch(name=name, year=year, notice_no=notice_no or None, tier=chosen or BatchTier.PROVINCIAL,
                  owner_id=authority.id)
    types = {t.id: t for t in session.scalars(select(DeclarationType).where(DeclarationType.active.is_(True)))}
    rows = []
    for typed in windows:
        declaration_type = types.get(typed.declaration_type_id)
        if declaration_type is None:
            errors["windows"] = N_("请从列表中选择申报类型")
            continue
        form = session.get(FormDefinition, typed.form_definition_id) if typed.form_definition_id else None
        if typed.form_definition_id and form is None:
            errors[f"form_{declaration_type.id}"] = N_("请从列表中选择申报书版本")
        rows.append(BatchWindow(declaration_type=declaration_type, opens_on=typed.opens_on,
                                closes_on=typed.closes_on, form_definition=form,
                                requires_provincial_listing=typed.requires_provincial_listing))
    for window in rows:
        if window.opens_on is None or window.closes_on is None:
            errors[f"dates_{window.declaration_type.id}"] = N_("请填写申报开始和截止日期")
    catalog.default_forms(session, rows)
    for window, problem in catalog.window_problems(rows, batch.tier):
        errors.setdefault(f"dates_{window.declaration_type.id}", problem)
    if errors:
        raise DomainError(N_("批次有 %(count)d 处需要修改，未创建"), kind=ErrorKind.INVALID, errors=errors,
                          count=len(errors))
    batch.windows = rows
    session.add(batch)
    session.flush()
    return batch


def set_cities_run_city_tier(session: Session, actor: Actor, value: bool) -> Authority:
    """A province lets its cities run the city tier (or takes it back): new 市级 batches are then opened,
    decided and published by each city. Batches already opened keep their owner."""
    authority = session.get(Authority, actor.authority_id) if actor.authority_id else None
    if authority is None or authority.kind != AuthorityKind.PROVINCE:
        raise DomainError(N_("只有省级工信主管部门可以设置市级批次由谁组织"))
    authority.cities_run_city_tier = bool(value)
    return authority


def own_batches(session: Session, actor: Actor) -> list[Batch]:
    if actor.authority_id is None:
        return []
    return list(session.scalars(select(Batch).where(Batch.owner_id == actor.authority_id)
                                .order_by(Batch.year.desc(), Batch.id.desc())))


def chain_ids(authority: Authority | None) -> set[int]:
    """The ids of an authority and of every authority above it."""
    found = set()
    while authority is not None:
        found.add(authority.id)
        authority = authority.parent
    return found


def reaches(batch: Batch, organization: Organization | None) -> bool:
    """Whether a batch is open to an organization: a national batch to all; an authority's own batch to the
    organizations whose own authority is that owner or lies under it."""
    if batch.tier == BatchTier.NATIONAL:
        return True
    return organization is not None and batch.owner_id in chain_ids(organization.authority)


def cut_at_owner(batch: Batch, levels: dict) -> dict:
    """The review chain of a submission to `batch`: a national batch's as it is; an authority's own batch ends
    with the owner's decision, so the levels above the owner's do not apply (不适用). The owner must be on the
    chain (a province's batch is recommended through the local authorities only)."""
    if batch.tier == BatchTier.NATIONAL:
        return levels
    owner = batch.owner
    level = OWNER_LEVEL.get(AuthorityKind(owner.kind)) if owner is not None else None
    if level is None or levels.get(level) is None or levels[level].id != owner.id:
        raise DomainError(N_("本批次由%(owner)s组织，只能经本地主管部门逐级推荐到%(owner)s"),
                          owner=owner.name if owner else "", kind=ErrorKind.INVALID)
    above = LEVEL_ORDER[LEVEL_ORDER.index(level) + 1:]
    return {key: (None if key in above else value) for key, value in levels.items()}


NEEDS_PROVINCIAL_LISTING = N_("本批次的“%(type)s”只接受已列入省级绿色制造名单（状态有效）的单位申报；"
                              "本单位没有有效的省级“%(type)s”名单，不能新增填报")


def holds_provincial_listing(session: Session, organization_id: int, declaration_type_id: int) -> bool:
    return session.scalar(select(ListedUnit.id).where(
        ListedUnit.organization_id == organization_id, ListedUnit.tier == BatchTier.PROVINCIAL,
        ListedUnit.declaration_type_id == declaration_type_id, ListedUnit.status == ListingStatus.VALID)
        .limit(1)) is not None


def listing_refusal(session: Session, organization: Organization, declaration_type: DeclarationType,
                    window: BatchWindow | None) -> DomainError | None:
    """Why an organization may not start a declaration in a window that requires a valid 省级 listing of the
    same type, or None."""
    if window is None or not window.requires_provincial_listing:
        return None
    if holds_provincial_listing(session, organization.id, declaration_type.id):
        return None
    return DomainError(NEEDS_PROVINCIAL_LISTING, type=declaration_type.name)


def reach_refusal(batch: Batch, organization: Organization) -> DomainError | None:
    if reaches(batch, organization):
        return None
    return DomainError(N_("本批次由%(owner)s组织，仅面向其所辖地区的单位"), owner=batch.owner.name)


@dataclass(frozen=True)
class Candidate:
    """A valid 省级 unit of the province, and where it stands in the national batches open to its type now."""

    unit: ListedUnit
    open_batches: tuple[str, ...]  # the titles of the national batches with a window of its type open today
    declaration: Declaration | None  # its newest declaration in one of them, if any

    @property
    def status_label(self) -> str:
        if self.declaration is not None:
            return DeclarationStatus(self.declaration.status).label
        return N_("未申报") if self.open_batches else N_("暂无开放的国家级批次")


def candidates(session: Session, actor: Actor, today: datetime.date, *, offset: int = 0,
               limit: int = 100) -> tuple[int, list[Candidate]]:
    """The valid 省级 listed units in the actor's scope (listed_unit_scope), a page of them, each with its
    declaration in a national batch window of the same type open today: three statements, whatever the page."""
    if actor.authority_kind != AuthorityKind.PROVINCE:
        return 0, []
    where = (listed_unit_scope(actor), ListedUnit.tier == BatchTier.PROVINCIAL,
             ListedUnit.status == ListingStatus.VALID)
    total = session.scalar(select(func.count()).select_from(ListedUnit).where(*where)) or 0
    units = session.scalars(select(ListedUnit).where(*where).order_by(
        ListedUnit.declaration_type_id, ListedUnit.unit_name, ListedUnit.id).offset(offset).limit(limit)).all()
    if not units:
        return total, []
    open_national = (select(BatchWindow.batch_id, BatchWindow.declaration_type_id, Batch.year, Batch.name)
                     .join(Batch, Batch.id == BatchWindow.batch_id)
                     .where(Batch.tier == BatchTier.NATIONAL, BatchWindow.opens_on <= today,
                            BatchWindow.closes_on >= today).order_by(Batch.year, Batch.id))
    found = session.execute(open_national).all()
    windows = [(batch_id, type_id) for batch_id, type_id, _, _ in found]
    by_type: dict[int, list[str]] = {}
    for _, type_id, year, name in found:
        by_type.setdefault(type_id, []).append(Batch.title_of(year, name))
    declared: dict[tuple[int, int], Declaration] = {}
    if windows:
        pairs = {(u.organization_id, u.declaration_type_id) for u in units}
        for declaration in session.scalars(select(Declaration).where(
                tuple_(Declaration.organization_id, Declaration.declaration_type_id).in_(pairs),
                tuple_(Declaration.batch_id, Declaration.declaration_type_id).in_([tuple(w) for w in windows]))
                .options(selectinload(Declaration.batch)).order_by(Declaration.id)):
            declared[(declaration.organization_id, declaration.declaration_type_id)] = declaration
    return total, [Candidate(u, tuple(by_type.get(u.declaration_type_id, ())),
                             declared.get((u.organization_id, u.declaration_type_id))) for u in units]
