"""数据看板: what a reviewer's scope holds, read from the summary rows kept by `app.domain.figures` (SPEC §1,
issues #7 and #18).

Every count comes from `DeclarationTally`, which each change of a declaration updates in its own transaction:
the figures are never stale and no declaration row is scanned to count them. The scope is the summary rows of
`reviewer_scope_id(actor)` (`app.domain.scope`), narrowed by the optional batch and type filters. In a fixed
number of statements (`STATEMENTS` at most):

1. the scope's rows grouped by (status, type, batch, level under review, waiting in a package), with the review
   steps' decisions and durations per level, each group joined to its batch window to know whether that level's
   deadline has passed. Python only adds these few subtotals up;
2. the scope's rows grouped by region (the province nationally, the declaration's own region otherwise), the groups
   then mapped in the same statement to the province, city or county the page shows: by province for the
   ministry, a central-enterprise group and an association, by city for a province, by county for a city (and a
   county);
3. the longest-overdue declarations, for the list under the charts: a query on the declarations themselves, so
   it is exact, through the per-level indexes of those in review;
4. the declaration types, so that a type without declarations still shows its 0;
5. (province, city and county reviewers only) the level of the authority's own region.

Labels of statuses and levels are the enums' msgids: the caller translates them.
"""
from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import Date, and_, case, false, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from app.domain import figures
from app.domain.figures import in_review_at
from app.domain.lifecycle import LEVEL_OF_KIND
from app.domain.scope import NATIONAL_SCOPE, Actor, Audience, declaration_scope, reviewer_scope_id, unindexed
from app.vocabulary import DeclarationStatus, ReviewLevel
from app.models import (Authority, AuthorityKind, Batch, BatchWindow, Declaration, DeclarationTally, DeclarationType,
                        Region)
from app.models.geo import CITY, COUNTY, PROVINCE
from app.models.tally import DECIDED, NO_LEVEL, SECONDS

STATEMENTS = 5
OVERDUE_LIST_SIZE = 10

# The batch window's deadline column of each level.
DEADLINE_OF = {
    ReviewLevel.COUNTY: BatchWindow.county_deadline,
    ReviewLevel.CITY: BatchWindow.city_deadline,
    ReviewLevel.TOP: BatchWindow.top_deadline,
    ReviewLevel.MINISTRY: BatchWindow.ministry_deadline,
}
# The level at which each kind of authority reviews: its 待我审核 are the declarations in review there.
SCOPE_LEVEL = {**LEVEL_OF_KIND, AuthorityKind.GROUP: ReviewLevel.TOP, AuthorityKind.ASSOCIATION: ReviewLevel.TOP,
               AuthorityKind.MINISTRY: ReviewLevel.MINISTRY}


@dataclass(frozen=True)
class Filters:
    """What the dashboard may be narrowed to; None means every batch or type."""

    batch_id: Optional[int] = None
    declaration_type_id: Optional[int] = None


@dataclass(frozen=True)
class Count:
    """One row of a count table: what is counted (an id or an enum member), its name, how many."""

    key: object
    label: str
    count: int


@dataclass(frozen=True)
class RegionCount(Count):
    level: Optional[int] = None  # the region's level; a bucket above the grouping level is its 本级
    own_level: bool = False  # declarations registered at the bucket's region itself (e.g. 省本级)


@dataclass(frozen=True)
class LevelFigures:
    level: ReviewLevel
    in_review: int  # its step column says 审核中 now
    overdue: int  # … and the level's deadline in the batch window has passed
    decided: int  # review steps this level decided with a known start (every round)
    average_days: Optional[float]  # their average duration, in days; None without any


@dataclass(frozen=True)
class OverdueItem:
    declaration_id: int
    unit_name: str
    type_name: str
    batch_title: str
    level: ReviewLevel
    deadline: datetime.date
    days_overdue: int


@dataclass
class Dashboard:
    total: int
    pending_mine: int  # waiting for the actor's own authority
    awaiting_recommendation: int  # approved at the top level, in a package not yet submitted to the ministry
    region_level: int  # PROVINCE, CITY or COUNTY: what `by_region` groups by
    by_status: list[Count] = field(default_factory=list)
    by_type: list[Count] = field(default_factory=list)
    by_batch: list[Count] = field(default_factory=list)
    by_region: list[RegionCount] = field(default_factory=list)
    levels: list[LevelFigures] = field(default_factory=list)
    overdue_items: list[OverdueItem] = field(default_factory=list)

    @property
    def in_review(self) -> int:
        return sum(level.in_review for level in self.levels)

    @property
    def overdue(self) -> int:
        return sum(level.overdue for level in self.levels)


def build(session: Session, actor: Actor, *, today: datetime.date, filters: Filters = Filters()) -> Dashboard:
    """The dashboard of `actor`'s reviewer scope on `today`."""
    figures.settle(session)  # what this transaction changed, too
    scope_id = reviewer_scope_id(actor)
    rows = and_(DeclarationTally.scope_id == scope_id if scope_id is not None else false(),
                *_filter_clauses(filters))
    region_level = grouping_level(session, actor)
    status, types, batches, in_review, overdue, total, mine, recommending, durations, late = \
        _facts(session, rows, SCOPE_LEVEL.get(actor.authority_kind), today)
    return Dashboard(
        total=total,
        pending_mine=mine,
        awaiting_recommendation=recommending,
        region_level=region_level,
        by_status=[Count(s, s.label, status.get(s, 0)) for s in DeclarationStatus],
        by_type=[Count(pk, name, types.get(pk, 0)) for pk, name, active in _types(session)
                 if active or types.get(pk)],
        by_batch=[Count(pk, Batch.title_of(year, name), number) for (year, pk, name), number in
                  sorted(batches.items(), key=lambda item: item[0][:2], reverse=True) if number],  # newest first
        by_region=_by_region(session, rows, region_level),
        levels=[LevelFigures(level, in_review.get(level, 0), overdue.get(level, 0), *durations.get(level, (0, None)))
                for level in ReviewLevel],
        overdue_items=_overdue_items(session, and_(declaration_scope(actor, Audience.REVIEWER),
                                                   *_declaration_filters(session, filters, scope_id == NATIONAL_SCOPE)),
                                     today, late),
    )


def _filter_clauses(filters: Filters) -> list[ColumnElement[bool]]:
    clauses = []
    if filters.batch_id is not None:
        clauses.append(DeclarationTally.batch_id == filters.batch_id)
    if filters.declaration_type_id is not None:
        clauses.append(DeclarationTally.declaration_type_id == filters.declaration_type_id)
    return clauses


def _declaration_filters(session: Session, filters: Filters, national: bool) -> list[ColumnElement[bool]]:
    """The batch and type filters on the declarations: through the (batch, type) index for the national scope,
    which has no narrower one; inside a regional scope, whose own index is the narrow way in, without it."""
    def column(c):
        return c if national else unindexed(session, c)

    clauses = []
    if filters.batch_id is not None:
        clauses.append(column(Declaration.batch_id) == filters.batch_id)
    if filters.declaration_type_id is not None:
        clauses.append(column(Declaration.declaration_type_id) == filters.declaration_type_id)
    return clauses


def grouping_level(session: Session, actor: Actor) -> int:
    """The region level one below the actor's authority: province for national bodies (the ministry, a
    group, an association), city for a province, county for a city (and for a county, its own)."""
    if actor.authority_kind not in (AuthorityKind.PROVINCE, AuthorityKind.CITY, AuthorityKind.COUNTY):
        return PROVINCE
    own = session.scalar(select(Region.level).join(Authority, Authority.region_id == Region.id)
                         .where(Authority.id == actor.authority_id))
    if own is None:  # a regional authority without a region: its declarations' own regions
        return COUNTY
    return min(own + 1, COUNTY)  # 深圳 and the other 计划单列市 review as provinces from a city: by county


def _facts(session: Session, rows, own_level: ReviewLevel | None, today: datetime.date):
    """One pass over the scope's summary rows, grouped by (status, type, batch, level under review, package)."""
    t = DeclarationTally
    keys = (t.status, t.declaration_type_id, t.batch_id, t.level, t.in_package)
    amounts = [func.sum(t.declarations).label("n")]
    for level in ReviewLevel:
        amounts += [func.sum(getattr(t, DECIDED[level])), func.sum(getattr(t, SECONDS[level]))]
    groups = select(*keys, *amounts).where(rows).group_by(*keys).subquery()
    deadline = case(*((groups.c.level == value.value, DEADLINE_OF[value]) for value in ReviewLevel),
                    else_=literal(None, Date))
    found = session.execute(
        select(groups, Batch.year, Batch.name, case((deadline < today, 1), else_=0), deadline)
        .select_from(groups)
        .outerjoin(Batch, Batch.id == groups.c.batch_id)
        .outerjoin(BatchWindow, and_(BatchWindow.batch_id == groups.c.batch_id,
                                     BatchWindow.declaration_type_id == groups.c.declaration_type_id))
    ).all()
    status, types, batches = Counter(), Counter(), Counter()
    in_review, overdue = Counter(), Counter()
    decided, seconds = Counter(), Counter()
    late_groups: Counter = Counter()
    total = waiting = recommending = 0
    for state, type_id, batch_id, at, in_package, number, *rest in found:
        *timing, year, name, late, deadline = rest
        number = int(number or 0)
        status[DeclarationStatus(state)] += number
        types[type_id] += number
        batches[(year, batch_id, name)] += number
        total += number
        if in_package:
            recommending += number
        if at != NO_LEVEL:
            in_review[ReviewLevel(at)] += number
            if late:
                overdue[ReviewLevel(at)] += number
                late_groups[(_date(deadline), batch_id, type_id, ReviewLevel(at))] += number
            if own_level is not None and at == own_level.value:
                waiting += number
        for index, level in enumerate(ReviewLevel):
            decided[level] += int(timing[2 * index] or 0)
            seconds[level] += int(timing[2 * index + 1] or 0)
    durations = {level: (decided[level], round(seconds[level] / decided[level] / 86400, 1))
                 for level in ReviewLevel if decided[level]}
    late = [(*key, number) for key, number in late_groups.items() if number]
    return status, types, batches, in_review, overdue, total, waiting, recommending, durations, late


def _types(session: Session) -> list[tuple[int, str, bool]]:
    return session.execute(select(DeclarationType.id, DeclarationType.name, DeclarationType.active)
                           .order_by(DeclarationType.sort, DeclarationType.id)).all()


def _by_region(session: Session, rows, level: int) -> list[RegionCount]:
    """Counts per region of `level`. The summary rows are grouped by their own region column first; only those
    few groups are then mapped to the province, city or county they lie in."""
    column = DeclarationTally.province_id if level == PROVINCE else DeclarationTally.region_id
    counted = select(column.label("region_id"), func.sum(DeclarationTally.declarations).label("n")) \
        .where(rows).group_by(column).subquery()
    own, parent, bucket = aliased(Region), aliased(Region), aliased(Region)
    if level == CITY:  # a county's city, if it has one; a city, a province-level row or a 直辖 county itself
        bucket_id = case((and_(own.level == COUNTY, parent.level == CITY), parent.id), else_=own.id)
        source = (select(bucket_id.label("bucket_id"), counted.c.n).select_from(counted)
                  .outerjoin(own, own.id == counted.c.region_id).outerjoin(parent, parent.id == own.parent_id)
                  .subquery())
    else:
        source = select(counted.c.region_id.label("bucket_id"), counted.c.n).subquery()
    found = session.execute(
        select(bucket.id, bucket.name, bucket.level, func.sum(source.c.n))
        .select_from(source).outerjoin(bucket, bucket.id == source.c.bucket_id)
        .group_by(bucket.id, bucket.name, bucket.level, bucket.code)
        .order_by(bucket.code.is_(None), bucket.code)
    ).all()
    return [RegionCount(pk, name or "", int(number), region_level, region_level is not None and region_level < level)
            for pk, name, region_level, number in found if number]


def _overdue_items(session: Session, where, today: datetime.date,
                   late_groups: list[tuple[datetime.date, int, int, ReviewLevel, int]]) -> list[OverdueItem]:
    """The longest-overdue declarations: read from the declarations themselves, so exact, but only in the
    (batch, type, level) groups whose deadline has passed, earliest deadline first, and only in as many of them
    as the list needs (`late_groups`: deadline, batch, type, level and how many are overdue, from the summary
    rows). Each group is a range of the level's index of declarations in review, in submission order."""
    chosen, enough = [], 0
    for deadline, batch_id, type_id, level, number in sorted(late_groups, key=lambda g: (g[0], g[1], g[2], g[3])):
        if enough >= OVERDUE_LIST_SIZE and deadline != chosen[-1][0]:
            break
        chosen.append((deadline, batch_id, type_id, level))
        enough += number
    if not chosen:
        return []
    branches = []
    for deadline, batch_id, type_id, level in chosen:
        branches.append(
            select(Declaration.id, Declaration.submitted_at, literal(level.value).label("level"),
                   literal(deadline, Date).label("deadline"))
            .where(where, Declaration.batch_id == batch_id, Declaration.declaration_type_id == type_id,
                   *in_review_at(level))
            .order_by(Declaration.submitted_at, Declaration.id).limit(OVERDUE_LIST_SIZE).subquery())
    found = union_all(*(select(branch) for branch in branches)).subquery()
    rows = session.execute(
        select(Declaration.id, Declaration.unit_name, DeclarationType.name, Batch.year, Batch.name, found.c.level,
               found.c.deadline)
        .select_from(found).join(Declaration, Declaration.id == found.c.id)
        .join(DeclarationType, DeclarationType.id == Declaration.declaration_type_id)
        .join(Batch, Batch.id == Declaration.batch_id)
        .order_by(found.c.deadline, found.c.submitted_at, found.c.id)
        .limit(OVERDUE_LIST_SIZE)
    ).all()
    return [OverdueItem(pk, unit, type_name, Batch.title_of(year, batch), ReviewLevel(value), _date(day),
                        (today - _date(day)).days)
            for pk, unit, type_name, year, batch, value, day in rows]


def _date(value) -> datetime.date:
    """A CASE over Date columns comes back as text on SQLite."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


