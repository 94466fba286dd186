"""Two people acting on one declaration at the same moment: exactly one wins, the other is told, nothing
is half-applied. Two real connections (sessions) interleave on the same row."""
import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import DomainError
from app.domain import lifecycle as lc
from app.domain.scope import Actor, Audience
from app.domain.states import DeclarationStatus as S, StepState
from app.extensions import db
from tests.form_values import complete
from app.models import Batch, Declaration, DeclarationType, PlatformUser, ReviewRecord, ReviewStep

NOW = datetime.datetime(2026, 11, 25, 10, 0)


def actor(session, username):
    return Actor.of(session.execute(select(PlatformUser).where(PlatformUser.username == username)).scalar_one())


@pytest.fixture
def submitted(app):
    with app.app_context():
        with Session(db.engine) as session:
            declaration_type = session.execute(
                select(DeclarationType).where(DeclarationType.code == "energy_saving_tech")).scalar_one()
            declaration = lc.create(session, actor(session, "qiye"), declaration_type,
                                    session.scalars(select(Batch)).first(), NOW)
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
