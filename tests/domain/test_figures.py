"""The dashboard's summary rows (app/domain/figures.py) always equal a fresh recount, whatever happens to the
declarations: random sequences of creations, submissions, decisions at every level, withdrawals, deletions,
recommendation packages and savepoints rolled back, each checked against a recount after every step."""
from __future__ import annotations

import datetime
import uuid

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from sqlalchemy import select

from app.domain import DomainError, dashboard, figures, lifecycle, recommendation
from app.domain.scope import Audience
from app.models import Declaration, DeclarationTally, PlatformUser
from app.vocabulary import PackageState
from tests import factories as f

# Who decides at each authority of the demo's 地方 chain (长安区 → 石家庄市 → 河北省 → 工信部).
REVIEWERS = ("changan", "shijiazhuang", "hebeisheng", "gongxinbu")
# Weighted towards the way forward, so that examples reach every level, packages and the ministry.
OPERATIONS = ("create", "submit", "submit", *("approve",) * 10, "return", "reject", "withdraw", "delete",
              "recommend", "recommend", "recommend", "unrecommend", "reopen", "rolled_back")
steps = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.sampled_from((0, 0, 0, 1, 2)), st.integers(0, 12 * 60)),
                 min_size=4, max_size=40)


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
        for declaration in declarations:  # what the examples reached (pytest --hypothesis-show-statistics)
            event(f"reached {declaration.status}" + (" in a package" if declaration.package_id else "") +
                  (" at the ministry" if declaration.ministry_step == "in_review" else ""))
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


def test_the_whole_way_through_packages_and_publication(db_session):
    """Packages (移出推荐, 提交推荐, 撤回推荐), the ministry's decisions, 公示, 公示异议 and 发布名单 move the rows too."""
    from app.domain import publication as pub

    declarations = f.in_package(f.new_batch(f"看板全程{uuid.uuid4().hex[:8]}", "energy_saving_tech"), 2)
    package, hebei, ministry = declarations[0].package, f.actor_of("hebeisheng"), f.actor_of("gongxinbu")
    recommendation.reopen(db_session, package, declarations[1], hebei, f.NOW, "再核实")
    assert figures.stored(db_session) == figures.recount(db_session)
    f.act(declarations[1], "approve", "hebeisheng")
    f.recommend(declarations[0], "hebeisheng")
    recommendation.withdraw(db_session, package, hebei, f.NOW, "重新盖章")
    assert figures.stored(db_session) == figures.recount(db_session)
    recommendation.submit(db_session, package, hebei, f.NOW)
    for declaration in declarations:
        f.act(declaration, "approve", "gongxinbu")
    publication = pub.start_publicity(db_session, declarations[0].batch, ministry, f.NOW, title="公示",
                                      starts=f.NOW.date(), ends=f.NOW.date(), notice="")
    pub.object_to(db_session, publication, declarations[1], ministry, f.NOW, "收到异议")
    pub.publish(db_session, publication, ministry, f.NOW + datetime.timedelta(days=1))
    assert figures.stored(db_session) == figures.recount(db_session)
    db_session.rollback()


def test_concurrent_transactions_add_to_the_same_rows(app):
    """Two submissions in one county, committed by two connections at once: both count (PostgreSQL; SQLite lets
    one writer at a time)."""
    import threading

    from sqlalchemy.orm import Session

    from app.extensions import db

    if app.config["BACKEND"] != "postgresql":
        pytest.skip("SQLite serialises writers")
    with app.app_context():
        batch = f.new_batch(f"看板并发{uuid.uuid4().hex[:8]}", "energy_saving_tech")
        ids = [f.drafted("qiye", "energy_saving_tech", batch).id for _ in range(2)]
        batch_id = batch.id
        db.session.commit()
        before = figures.stored(db.session)
    both_flushed = threading.Barrier(2, timeout=30)
    failures = []

    def submit(declaration_id):
        try:
            with app.app_context(), Session(db.engine) as session:
                lifecycle.apply(session, session.get(Declaration, declaration_id), "submit",
                                f.actor_of("qiye"), Audience.APPLICANT, now=f.NOW)
                both_flushed.wait()  # each holds its declaration; both upserts now race for the same rows
                session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=submit, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with app.app_context():
        after = figures.stored(db.session)
        assert after == figures.recount(db.session)
        national = [key for key in after if key[0] == 0 and key[2] == batch_id and key[3] == "under_review"]
        assert sum(after[key][0] for key in national) == 2 and after != before


def test_the_migration_fills_the_rows_as_a_rebuild_would(app):
    """Migration 0016 fills the table with its own frozen copy of the statement: on data made by the lifecycle
    (with decisions, so durations count), going down to 0015 and up again gives exactly the recount."""
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    with app.app_context():
        declaration = f.act(f.drafted("qiye", "energy_saving_tech", f.new_batch(f"看板迁移{uuid.uuid4().hex[:8]}")),
                            "submit", "qiye")
        lifecycle.apply(db.session, declaration, "approve", f.actor_of("changan"), Audience.REVIEWER,
                        now=f.NOW + datetime.timedelta(hours=30, minutes=7))
        db.session.commit()
        expected = figures.recount(db.session)
        assert any(amounts[1] == 1 and amounts[2] == 30 * 3600 + 7 * 60 for amounts in expected.values())
        db.session.remove()
        db.engine.dispose()
        downgrade(revision="0015")
        upgrade()
        assert figures.stored(db.session) == expected


def test_the_demo_load_leaves_the_rows_right(app):
    """`flask demo generate` writes its rows in bulk, beside the lifecycle, and counts the figures anew."""
    from app.demo import generate
    from app.extensions import db

    with app.app_context():
        generate(400, organizations=60, seed=11, today=f.NOW.date())
        rows = figures.stored(db.session)
        assert rows == figures.recount(db.session)
        assert sum(amounts[0] for key, amounts in rows.items() if key[0] == 0) >= 300  # most were submitted
