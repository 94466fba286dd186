"""数据看板: what a reviewer's scope holds, counted by the database (SPEC §1, issue #7).

Every number is an aggregate computed by SQL (COUNT / AVG with GROUP BY) over the declarations that
`declaration_scope(actor, REVIEWER)` selects, narrowed by the optional batch and type filters; no
declaration row is loaded into Python. Scanning the scope is what costs at national scale, so the
dashboard reads it as few times as it can, in a fixed number of statements (`STATEMENTS` at most):

1. the scope grouped by (status, type, batch, level under review), with how many of each group wait for
   the actor; each group is joined to its batch window to know whether that level's deadline has passed.
   Python only adds these few subtotals up (their number depends on how many statuses, types, batches
   and levels there are, never on how many declarations);
2. the scope grouped by region (the declaration's own indexed column: `province_id` for national bodies,
   `region_id` otherwise), the groups then mapped in the same statement to the province, city or county
   the page shows: by province for the ministry, a central-enterprise group and an association, by city
   for a province, by county for a city (and a county);
3. the average number of days each level took: review steps with both a start and a decision, every round;
4. the longest-overdue declarations, for the list under the charts;
5. the declaration types, so that a type without declarations still shows its 0;
6. (province, city and county reviewers only) the level of the authority's own region.

Labels of statuses and levels are the enums' msgids: the caller translates them.
"""
from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import Date, String, and_, case, false, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from app.domain.scope import Actor, Audience, declaration_scope, unindexed
from app.domain.lifecycle import STEP_COLUMN
from app.vocabulary import DeclarationStatus, ReviewLevel, StepState
from app.models import Authority, AuthorityKind, Batch, BatchWindow, Declaration, DeclarationType, Region, ReviewStep
from app.models.geo import CITY, COUNTY, PROVINCE

STATEMENTS = 6
OVERDUE_LIST_SIZE = 10

# The declaration's step column and the batch window's deadline column of each level.
STEP_OF = {level: getattr(Declaration, column) for level, column in STEP_COLUMN.items()}
DEADLINE_OF = {
    ReviewLevel.COUNTY: BatchWindow.county_deadline,
    ReviewLevel.CITY: BatchWindow.city_deadline,
    ReviewLevel.TOP: BatchWindow.top_deadline,
    ReviewLevel.MINISTRY: BatchWindow.ministry_deadline,
}


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
    national = actor.authority_kind is AuthorityKind.MINISTRY
    where = and_(declaration_scope(actor, Audience.REVIEWER), *_filter_clauses(session, filters, national))
    region_level = grouping_level(session, actor)
    status, types, batches, in_review, overdue, total, mine, recommending = _facts(session, where, actor, today)
    durations = _durations(session, where)
    return Dashboard(
        total=total,
        pending_mine=mine,
        awaiting_recommendation=recommending,
        region_level=region_level,
        by_status=[Count(s, s.label, status.get(s, 0)) for s in DeclarationStatus],
        by_type=[Count(pk, name, types.get(pk, 0)) for pk, name, active in _types(session)
                 if active or types.get(pk)],
        by_batch=[Count(pk, Batch.title_of(year, name), number) for (year, pk, name), number in
                  sorted(batches.items(), key=lambda item: item[0][:2], reverse=True)],  # newest first
        by_region=_by_region(session, where, region_level),
        levels=[LevelFigures(level, in_review.get(level, 0), overdue.get(level, 0), *durations.get(level, (0, None)))
                for level in ReviewLevel],
        overdue_items=_overdue_items(session, where, today),
    )


def _filter_clauses(session: Session, filters: Filters, national: bool) -> list[ColumnElement[bool]]:
    """The batch and type filters: through the (batch, type) index for the national scope, which has no
    narrower one; inside a regional scope, whose own index is the narrow way in, without it."""
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


def _facts(session: Session, where, actor: Actor, today: datetime.date):
    """One pass over the scope: counts by (status, type, batch, level under review), added up here."""
    mine = Declaration.pending_authority_id == actor.authority_id if actor.authority_id else false()
    # approved by the province (group, association) and waiting in its unsubmitted package: no level's turn
    packaged = and_(Declaration.status == DeclarationStatus.UNDER_REVIEW.value, Declaration.package_id.is_not(None),
                    Declaration.pending_authority_id.is_(None))
    level = _in_review_level().label("at_level")
    keys = [unindexed(session, c) for c in (Declaration.status, Declaration.declaration_type_id, Declaration.batch_id)]
    groups = (
        select(keys[0].label("status"), keys[1].label("type_id"), keys[2].label("batch_id"), level,
               func.count().label("n"), func.count(case((mine, 1))).label("mine"),
               func.count(case((packaged, 1))).label("packaged"))
        .where(where)
        .group_by(*keys, level)  # the same objects: PostgreSQL matches their parameters
        .subquery()
    )
    deadline = case(*((groups.c.at_level == value.value, DEADLINE_OF[value]) for value in ReviewLevel),
                    else_=literal(None, Date))
    rows = session.execute(
        select(groups.c.status, groups.c.type_id, groups.c.batch_id, Batch.year, Batch.name, groups.c.at_level,
               groups.c.n, groups.c.mine, groups.c.packaged, case((deadline < today, 1), else_=0))
        .select_from(groups)
        .outerjoin(Batch, Batch.id == groups.c.batch_id)
        .outerjoin(BatchWindow, and_(BatchWindow.batch_id == groups.c.batch_id,
                                     BatchWindow.declaration_type_id == groups.c.type_id))
    ).all()
    status, types, batches = Counter(), Counter(), Counter()
    in_review, overdue = Counter(), Counter()
    total = waiting = recommending = 0
    for state, type_id, batch_id, year, name, at, number, for_me, in_package, late in rows:
        status[DeclarationStatus(state)] += number
        types[type_id] += number
        batches[(year, batch_id, name)] += number
        total += number
        waiting += for_me
        recommending += in_package
        if at is not None:
            in_review[ReviewLevel(at)] += number
            if late:
                overdue[ReviewLevel(at)] += number
    return status, types, batches, in_review, overdue, total, waiting, recommending


def _types(session: Session) -> list[tuple[int, str, bool]]:
    return session.execute(select(DeclarationType.id, DeclarationType.name, DeclarationType.active)
                           .order_by(DeclarationType.sort, DeclarationType.id)).all()


def _by_region(session: Session, where, level: int) -> list[RegionCount]:
    """Counts per region of `level`. The declarations are grouped by their own region column first, with
    no join per row; only those few groups are then mapped to the province, city or county they lie in."""
    column = unindexed(session, Declaration.province_id if level == PROVINCE else Declaration.region_id)
    counted = select(column.label("region_id"), func.count().label("n")).where(where).group_by(column).subquery()
    own, parent, bucket = aliased(Region), aliased(Region), aliased(Region)
    if level == CITY:  # a county's city, if it has one; a city, a province-level row or a 直辖 county itself
        bucket_id = case((and_(own.level == COUNTY, parent.level == CITY), parent.id), else_=own.id)
        source = (select(bucket_id.label("bucket_id"), counted.c.n).select_from(counted)
                  .outerjoin(own, own.id == counted.c.region_id).outerjoin(parent, parent.id == own.parent_id)
                  .subquery())
    else:
        source = select(counted.c.region_id.label("bucket_id"), counted.c.n).subquery()
    rows = session.execute(
        select(bucket.id, bucket.name, bucket.level, func.sum(source.c.n))
        .select_from(source).outerjoin(bucket, bucket.id == source.c.bucket_id)
        .group_by(bucket.id, bucket.name, bucket.level, bucket.code)
        .order_by(bucket.code.is_(None), bucket.code)
    ).all()
    return [RegionCount(pk, name or "", int(number), region_level, region_level is not None and region_level < level)
            for pk, name, region_level, number in rows]


def _in_review_level():
    """Which level's step column says 审核中 (at most one does) while the declaration is under review, as the
    level's value; None otherwise."""
    return case((Declaration.status != DeclarationStatus.UNDER_REVIEW.value, literal(None, String)),
                *((STEP_OF[level] == StepState.IN_REVIEW.value, literal(level.value)) for level in ReviewLevel))


def _pending_deadline():
    """The deadline of the level the declaration waits at, from its batch window."""
    return case(*((STEP_OF[level] == StepState.IN_REVIEW.value, DEADLINE_OF[level]) for level in ReviewLevel),
                else_=literal(None, Date))


def _with_window(statement):
    return statement.outerjoin(BatchWindow, and_(BatchWindow.batch_id == Declaration.batch_id,
                                                 BatchWindow.declaration_type_id == Declaration.declaration_type_id))


def _days(session: Session, start, end):
    """end - start in days, as a number, on the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _durations(session: Session, where) -> dict[ReviewLevel, tuple[int, Optional[float]]]:
    """Per level: (decided steps with a known start, their average duration in days)."""
    days = _days(session, ReviewStep.started_at, ReviewStep.decided_at)
    rows = session.execute(
        select(ReviewStep.level, func.count(), func.avg(days))
        .join(Declaration, Declaration.id == ReviewStep.declaration_id)
        .where(where, ReviewStep.started_at.is_not(None), ReviewStep.decided_at.is_not(None))
        .group_by(ReviewStep.level)
    ).all()
    return {ReviewLevel(value): (number, None if average is None else round(float(average), 1))
            for value, number, average in rows}


def _overdue_items(session: Session, where, today: datetime.date) -> list[OverdueItem]:
    level, deadline = _in_review_level(), _pending_deadline()
    rows = session.execute(
        _with_window(select(Declaration.id, Declaration.unit_name, DeclarationType.name, Batch.year, Batch.name,
                            level, deadline).select_from(Declaration))
        .join(DeclarationType, DeclarationType.id == Declaration.declaration_type_id)
        .join(Batch, Batch.id == Declaration.batch_id)
        .where(where, Declaration.status == DeclarationStatus.UNDER_REVIEW.value, deadline < today)
        .order_by(deadline, Declaration.submitted_at, Declaration.id)
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


