"""Two people acting on one declaration at the same moment: exactly one wins, the other is told, nothing
is half-applied. Two real connections (sessions) interleave on the same row."""
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import DomainError
from app.domain import lifecycle as lc
from app.domain.scope import Actor, Audience
from app.vocabulary import DeclarationStatus as S, StepState
from app.extensions import db
from tests import factories as f
from tests.form_values import complete
from app.models import Batch, Declaration, DeclarationType, PlatformUser, ReviewRecord, ReviewStep

NOW = f.NOW


def actor(session, username):
    return Actor.of(session.execute(select(PlatformUser).where(PlatformUser.username == username)).scalar_one())


@pytest.fixture
def submitted(app):
    with app.app_context():
        with Session(db.engine) as session:
            declaration_type = session.execute(
                select(DeclarationType).where(DeclarationType.code == "energy_saving_tech")).scalar_one()
            national = select(Batch).where(Batch.tier == "national").order_by(Batch.id)
            declaration = lc.create(session, actor(session, "qiye"), declaration_type, session.scalars(national).first(),
                                    NOW)
            declaration.form_data = complete(lc.definition_of(declaration), file_id=-1)
            lc.apply(session, declaration, "submit", actor(session, "qiye"), Audience.APPLICANT, now=NOW)
            session.commit()
            return declaration.id  # kept afterwards: its review records are immutable, like every other


def race(app, declaration_id, first, second):
    """Both sessions read the declaration, then `first` commits its action before `second` tries."""
    with app.app_context(), Session(db.engine) as one, Session(db.engine) as two:
        rows = [s.get(Declaration, declaration_id) for s in (one, two)]
        for session, row, (name, username, audience, args) in ((one, rows[0], first), (two, rows[1], second)):
            try:
                lc.apply(session, row, name, actor(session, username), audience, now=NOW, **args)
                session.commit()
                yield None
            except DomainError as refused:
                session.rollback()
                yield refused.message


def state(app, declaration_id):
    with app.app_context(), Session(db.engine) as session:
        declaration = session.get(Declaration, declaration_id)
        records = session.scalars(select(ReviewRecord.action).where(
            ReviewRecord.declaration_id == declaration_id).order_by(ReviewRecord.id)).all()
        approved = session.scalar(select(func.count()).where(
            ReviewStep.declaration_id == declaration_id, ReviewStep.state == StepState.APPROVED))
        return S(declaration.status), records, approved, declaration.version


def test_two_reviewers_approve_the_same_declaration(app, submitted):
    approve = ("approve", "changan", Audience.REVIEWER, {})
    outcomes = list(race(app, submitted, approve, approve))
    assert outcomes[0] is None and "已被他人处理" in outcomes[1]
    status, records, approved, _ = state(app, submitted)
    assert status == S.UNDER_REVIEW and records == ["submit", "approve"] and approved == 1


def test_applicant_withdraws_while_the_reviewer_approves(app, submitted):
    outcomes = list(race(app, submitted, ("withdraw", "qiye", Audience.APPLICANT, {}),
                         ("approve", "changan", Audience.REVIEWER, {})))
    assert outcomes[0] is None and "已被他人处理" in outcomes[1]
    status, records, approved, _ = state(app, submitted)
    assert status == S.DRAFT and records == ["submit", "withdraw"] and approved == 0


def test_reviewer_returns_while_the_applicant_withdraws(app, submitted):
    outcomes = list(race(app, submitted, ("return", "changan", Audience.REVIEWER, {"opinion": "请补充"}),
                         ("withdraw", "qiye", Audience.APPLICANT, {})))
    assert outcomes[0] is None and outcomes[1] is not None
    status, records, _, _ = state(app, submitted)
    assert status == S.RETURNED and records == ["submit", "return"]


@pytest.fixture
def at_ministry(app):
    """A declaration the ministry decides last: no step follows its own."""
    from tests import factories as f

    with app.app_context():
        declaration = f.in_package(f.new_batch(f"并发测试批{uuid.uuid4().hex[:8]}", "energy_saving_tech"))[0]
        f.recommend(declaration, "hebeisheng")
        db.session.commit()
        return declaration.id


@pytest.mark.parametrize("level", ["county", "ministry"])
@pytest.mark.parametrize("decision", ["approve", "return", "reject"])
def test_a_decision_committed_between_the_guards_and_the_effect_is_refused_not_a_crash(
        app, submitted, at_ministry, level, decision):
    """Found by the load test: the second reviewer's guards see the step open, the first commits, then the
    second's effect reads the steps again (READ COMMITTED on PostgreSQL) and finds the next level's step, or
    none after the last level. It must be told, as for any stale write, and change nothing."""
    pk, username = (submitted, "changan") if level == "county" else (at_ministry, "gongxinbu")
    original = lc._before_deadline
    with app.app_context(), Session(db.engine) as one, Session(db.engine) as two:
        def first_commits_now(ctx):
            if ctx.session is two:
                lc.apply(one, one.get(Declaration, pk), "approve", actor(one, username), Audience.REVIEWER, now=NOW)
                one.commit()
            return original(ctx)

        for transition in lc.TRANSITIONS.values():  # frozen dataclasses: the guards tuple holds the function
            object.__setattr__(transition, "guards", tuple(
                first_commits_now if guard is original else guard for guard in transition.guards))
        try:
            with pytest.raises(DomainError) as refused:
                lc.apply(two, two.get(Declaration, pk), decision, actor(two, username), Audience.REVIEWER,
                         now=NOW, opinion="同时操作")
            two.rollback()
        finally:
            for transition in lc.TRANSITIONS.values():
                object.__setattr__(transition, "guards", tuple(
                    original if guard is first_commits_now else guard for guard in transition.guards))
    assert "刚刚已被他人处理" in refused.value.message
    status, records, approved, _ = state(app, pk)
    assert records.count("approve") == (1 if level == "county" else 4) and approved == approved_before(level)


def approved_before(level: str) -> int:
    return 1 if level == "county" else 4  # 县, 市, 省 earlier, and the one approval that won
