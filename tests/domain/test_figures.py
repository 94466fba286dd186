"""The dashboard's summary rows (app/domain/figures.py) always equal a fresh recount, whatever happens to the
declarations: random sequences of creations, submissions, decisions at every level, withdrawals, deletions,
recommendation packages and savepoints rolled back, each checked against a recount after every step."""
from __future__ import annotations

import datetime
import uuid

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from app.domain import DomainError, dashboard, figures, lifecycle, recommendation
from app.domain.scope import Audience
from app.models import Declaration, DeclarationTally, PlatformUser
from app.vocabulary import PackageState
from tests import factories as f

# Who decides at each authority of the demo's 地方 chain (长安区 → 石家庄市 → 河北省 → 工信部).
REVIEWERS = ("changan", "shijiazhuang", "hebeisheng", "gongxinbu")
OPERATIONS = ("create", "submit", "approve", "approve", "approve", "return", "reject", "withdraw", "delete",
              "recommend", "unrecommend", "reopen", "rolled_back")
steps = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 5), st.integers(0, 3 * 24 * 60)),
                 min_size=1, max_size=14)


def reviewer_of(session, declaration) -> str:
    """The account whose turn it is, or the county's when nobody's is (then a decision is refused)."""
    users = {u.authority_id: u.username for u in session.scalars(
        select(PlatformUser).where(PlatformUser.username.in_(REVIEWERS)))}
    return users.get(declaration.pending_authority_id, "changan")


def perform(session, operation: str, declaration: Declaration | None, batch, now: datetime.datetime):
    """One operation, refused or not; returns a new declaration when one is made."""
    applicant = f.actor_of("qiye")
    hebei = f.actor_of("hebeisheng")
    if operation == "create" or declaration is None:
        return f.drafted("qiye", "energy_saving_tech", batch)
    package = declaration.package
    if operation in ("submit", "withdraw", "delete"):
        lifecycle.apply(session, declaration, operation, applicant, Audience.APPLICANT, now=now)
    elif operation in ("approve", "return", "reject"):
        lifecycle.apply(session, declaration, operation, f.actor_of(reviewer_of(session, declaration)),
                        Audience.REVIEWER, now=now, opinion="请补充材料")
    elif operation == "recommend" and package is not None and package.state == PackageState.DRAFT:
        f.recommend(declaration, "hebeisheng")
    elif operation == "unrecommend" and package is not None:
        recommendation.withdraw(session, package, hebei, now, "重新盖章")
    elif operation == "reopen" and package is not None:
        recommendation.reopen(session, package, declaration, hebei, now, "再核实")
    elif operation == "rolled_back":  # a decision whose savepoint is rolled back leaves no trace in the rows
        savepoint = session.begin_nested()
        try:
            lifecycle.apply(session, declaration, "approve", f.actor_of(reviewer_of(session, declaration)),
                            Audience.REVIEWER, now=now)
        except DomainError:
            pass
        savepoint.rollback()
    return None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_summary_rows_equal_a_recount_after_any_sequence(db_session, sequence):
    assert figures.stored(db_session) == figures.recount(db_session)
    batch = f.new_batch(f"看板性质{uuid.uuid4().hex[:8]}", "energy_saving_tech")
    declarations: list[Declaration] = []
    now = f.NOW
    try:
        for operation, which, minutes in sequence:
            now += datetime.timedelta(minutes=minutes)
            target = declarations[which % len(declarations)] if declarations and operation != "create" else None
            try:
                with db_session.begin_nested():  # a refusal undoes what it began, as a request would
                    made = perform(db_session, operation, target, batch, now)
            except DomainError:
                made = None
            if made is not None:
                declarations.append(made)
            declarations = [d for d in declarations if db_session.get(Declaration, d.id) is not None]
            assert figures.stored(db_session) == figures.recount(db_session), (operation, sequence)
    finally:
        db_session.rollback()


def test_the_dashboard_reads_the_rows_a_transition_moves(db_session):
    """A submission counts at once for each level of its chain and nationally, inside its own transaction, and
    is waiting for the county only; its withdrawal takes it out everywhere again."""
    batch = f.new_batch(f"看板移动{uuid.uuid4().hex[:8]}", "energy_saving_tech")
    declaration = f.drafted("qiye", "energy_saving_tech", batch)
    boards = lambda: {name: dashboard.build(db_session, f.actor_of(name), today=f.NOW.date(),  # noqa: E731
                                            filters=dashboard.Filters(batch_id=batch.id)) for name in REVIEWERS}
    assert {name: board.total for name, board in boards().items()} == dict.fromkeys(REVIEWERS, 0)
    f.act(declaration, "submit", "qiye")
    submitted = boards()
    assert {name: board.total for name, board in submitted.items()} == dict.fromkeys(REVIEWERS, 1)
    assert {name: board.pending_mine for name, board in submitted.items()} == \
        {"changan": 1, "shijiazhuang": 0, "hebeisheng": 0, "gongxinbu": 0}
    f.act(declaration, "approve", "changan")
    approved = boards()
    assert approved["shijiazhuang"].pending_mine == 1 and approved["changan"].pending_mine == 0
    county = {x.level.value: x.decided for x in approved["gongxinbu"].levels}
    assert county["county"] == 1
    f.act(declaration, "return", "shijiazhuang", opinion="请补充")
    f.act(declaration, "submit", "qiye")
    f.act(declaration, "withdraw", "qiye")
    assert {name: board.total for name, board in boards().items()} == dict.fromkeys(REVIEWERS, 0)
    db_session.rollback()


def test_rebuild_writes_what_a_recount_counts(db_session):
    """`rebuild()` (what `flask figures rebuild` runs) writes what `recount()` counts, from empty rows."""
    declaration = f.act(f.drafted("qiye", "energy_saving_tech", f.new_batch(f"看板重建{uuid.uuid4().hex[:8]}")),
                        "submit", "qiye")
    expected = figures.recount(db_session)
    figures.settle(db_session)
    db_session.execute(DeclarationTally.__table__.delete())
    assert figures.stored(db_session) == {}
    figures.rebuild(db_session)
    assert figures.stored(db_session) == expected
    assert any(key[0] == declaration.county_authority_id for key in expected)
    db_session.rollback()
