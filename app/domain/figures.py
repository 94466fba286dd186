"""Live figures for the 数据看板 (issue 18): summary rows kept up to date in the transaction of every change.

What a declaration adds to the summary rows (`DeclarationTally`) is defined once, as SQL (`_contributions`): one
row for each reviewer scope it lies in, keyed by its type, batch, status, the level it is in review at, whether
it waits in a recommendation package, its province and region, with its review steps' decisions and durations.
`lifecycle.apply()` and `lifecycle.create()` read a declaration's contribution before and after the change and
hand the difference to `changed()`; `rebuild()` computes every row from scratch with the same statement.

The differences are written when the transaction commits (or when a reader calls `settle()` first), summed per
row and in key order, as one INSERT … ON CONFLICT DO UPDATE that adds them: concurrent transactions add to the
same rows without losing each other's counts, and since every transaction locks its rows in the same order,
a package or a publication changing many declarations at once cannot deadlock with a reviewer's approval.
A difference made inside a savepoint that is rolled back is forgotten with it.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from sqlalchemy import BigInteger, and_, case, cast, delete, event, func, insert, literal, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from sqlalchemy.sql.elements import ColumnElement

from app.domain.scope import NATIONAL_SCOPE, reviewer_scopes_of_row
from app.models import Declaration, ReviewStep
from app.models.tally import AMOUNTS, DECIDED, KEY, NO_LEVEL, NONE, SECONDS, DeclarationTally
from app.vocabulary import DeclarationStatus, ReviewLevel, StepState

Key = tuple  # the values of tally.KEY
Amounts = tuple  # the values of tally.AMOUNTS
_PENDING = "figures.pending"  # session.info: [(the transaction it was made in, {key: amounts})]
ROWS_PER_STATEMENT = 500  # parameters per statement stay under SQLite's limit


def in_review_level() -> ColumnElement:
    """Which level's step column says 审核中 (at most one does) while the declaration is under review, as the
    level's value; NULL otherwise."""
    from app.domain.lifecycle import STEP_COLUMN  # which imports this module

    return case((Declaration.status != DeclarationStatus.UNDER_REVIEW.value, literal(None)),
                *((getattr(Declaration, STEP_COLUMN[level]) == StepState.IN_REVIEW.value,
                   literal(level.value)) for level in ReviewLevel))


def in_review_at(level: ReviewLevel) -> tuple[ColumnElement[bool], ...]:
    """Under review at `level`, as the level's partial index of declarations in review states it (the values
    written into the statement: SQLite uses a partial index only for a query with the index's own constants)."""
    from app.domain.lifecycle import STEP_COLUMN

    return (Declaration.status == literal(DeclarationStatus.UNDER_REVIEW.value, literal_execute=True),
            getattr(Declaration, STEP_COLUMN[level]) == literal(StepState.IN_REVIEW.value, literal_execute=True))


def _seconds(session: Session, start, end) -> ColumnElement:
    """How long a step took, in whole seconds, on the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.round(func.extract("epoch", end - start)), BigInteger)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400), BigInteger)


def _contributions(session: Session, declarations: ColumnElement[bool], steps: ColumnElement[bool]):
    """The summary rows of the declarations `declarations` selects (their review steps: `steps`), grouped."""
    decided = and_(ReviewStep.started_at.is_not(None), ReviewStep.decided_at.is_not(None))
    seconds = _seconds(session, ReviewStep.started_at, ReviewStep.decided_at)
    per_level = []
    for level in ReviewLevel:
        at_level = and_(decided, ReviewStep.level == level.value)
        per_level += [func.sum(case((at_level, 1), else_=0)).label(DECIDED[level]),
                      func.sum(case((at_level, seconds), else_=0)).label(SECONDS[level])]
    timing = select(ReviewStep.declaration_id, *per_level).where(steps) \
        .group_by(ReviewStep.declaration_id).subquery()
    scopes = reviewer_scopes_of_row()
    kinds = union_all(*(select(literal(number).label("kind")) for number in range(len(scopes)))).subquery()
    scope_id = case(*((kinds.c.kind == number, scope) for number, scope in enumerate(scopes)))
    level = in_review_level()
    packaged = and_(Declaration.status == DeclarationStatus.UNDER_REVIEW.value, Declaration.package_id.is_not(None),
                    Declaration.pending_authority_id.is_(None))
    each = (
        select(scope_id.label("scope_id"), Declaration.declaration_type_id, Declaration.batch_id,
               Declaration.status, func.coalesce(level, NO_LEVEL).label("level"),
               case((packaged, True), else_=False).label("in_package"),
               func.coalesce(Declaration.province_id, NONE).label("province_id"),
               case((scope_id == NATIONAL_SCOPE, NONE), else_=func.coalesce(Declaration.region_id, NONE))
               .label("region_id"),
               *(func.coalesce(timing.c[name], 0).label(name) for name in AMOUNTS[1:]))
        .select_from(Declaration).join(kinds, true())
        .outerjoin(timing, timing.c.declaration_id == Declaration.id)
        .where(declarations, scope_id.is_not(None))
        .subquery()
    )
    keys = [each.c[name] for name in KEY]
    return select(*keys, func.count().label("declarations"), *(func.sum(each.c[name]) for name in AMOUNTS[1:])) \
        .group_by(*keys)


def _key(row) -> Key:
    scope_id, type_id, batch_id, status, level, in_package, province_id, region_id = row
    return (int(scope_id), int(type_id), int(batch_id), str(status), str(level), bool(in_package), int(province_id),
            int(region_id))


def contribution(session: Session, declaration_id: int | None) -> dict[Key, Amounts]:
    """What one declaration adds to the summary rows now, as stored (nothing for one not stored)."""
    if declaration_id is None:
        return {}
    rows = session.execute(_contributions(session, Declaration.id == declaration_id,
                                          ReviewStep.declaration_id == declaration_id)).all()
    return {_key(row[:len(KEY)]): tuple(int(n) for n in row[len(KEY):]) for row in rows}


def changed(session: Session, declaration_id: int | None, before: dict[Key, Amounts]) -> None:
    """The declaration has changed since `before` (its `contribution()` then): its difference is written with
    the transaction."""
    after = contribution(session, declaration_id)
    difference: dict[Key, Counter] = {}
    for sign, rows in ((-1, before), (1, after)):
        for key, amounts in rows.items():
            row = difference.setdefault(key, Counter())
            for name, amount in zip(AMOUNTS, amounts):
                row[name] += sign * amount
    difference = {key: row for key, row in difference.items() if any(row.values())}
    if difference:
        session = session() if isinstance(session, scoped_session) else session  # the request's own session
        transaction = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(_PENDING, []).append((transaction, difference))


def settle(session: Session) -> None:
    """Write the differences made so far in this transaction: before reading the summary rows in it."""
    entries = session.info.pop(_PENDING, [])
    total: dict[Key, Counter] = {}
    for _, difference in entries:
        for key, row in difference.items():
            total.setdefault(key, Counter()).update(row)
    rows = [{**dict(zip(KEY, key)), **{name: row[name] for name in AMOUNTS}}
            for key, row in sorted(total.items()) if any(row.values())]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = DeclarationTally.__table__
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        statement = dialect.insert(table).values(rows[start:start + ROWS_PER_STATEMENT])
        session.execute(statement.on_conflict_do_update(
            index_elements=list(KEY), set_={name: table.c[name] + statement.excluded[name] for name in AMOUNTS}))


def rebuild(session: Session) -> int:
    """Every summary row computed again from the declarations and their steps; returns how many rows."""
    session.info.pop(_PENDING, None)
    session.execute(delete(DeclarationTally))
    session.execute(insert(DeclarationTally).from_select([*KEY, *AMOUNTS], _contributions(session, true(), true())))
    return session.scalar(select(func.count()).select_from(DeclarationTally))


def recount(session: Session) -> dict[Key, Amounts]:
    """The summary rows as a rebuild would make them, without writing them."""
    return {_key(row[:len(KEY)]): tuple(int(n) for n in row[len(KEY):])
            for row in session.execute(_contributions(session, true(), true()))}


def stored(session: Session) -> dict[Key, Amounts]:
    """The summary rows as kept (rows that came down to nothing left out)."""
    settle(session)
    columns = [DeclarationTally.__table__.c[name] for name in (*KEY, *AMOUNTS)]
    return {_key(row[:len(KEY)]): tuple(int(n) for n in row[len(KEY):])
            for row in session.execute(select(*columns)) if any(row[len(KEY):])}


# --- the differences follow the transaction they were made in ------------------------------------------------

def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _forget(session: Session, outer: SessionTransaction) -> None:
    entries: Iterable = session.info.get(_PENDING) or []
    kept = [(transaction, difference) for transaction, difference in entries if not _within(transaction, outer)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_commit")
def _write_with_the_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release: its differences wait for the commit
        settle(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_what_was_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    _forget(session, previous_transaction)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # written by the commit, or gone with a rollback or a close
        _forget(session, transaction)
