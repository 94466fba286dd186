"""The demo generator follows the lifecycle's rules: its rows pass the same invariants real ones do, and
the lifecycle can act on them."""
import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import TODAY
from app import demo
from app.demo import generate, in_background
from app.domain import lifecycle
from app.domain.scope import Actor, Audience
from app.vocabulary import DeclarationStatus as S, PackageState, StepState
from app.extensions import db
from app.models import Authority, Declaration, Organization, RecommendationPackage, ReviewRecord, ReviewStep

N = 1500


@pytest.mark.parametrize("batch_size", [demo.BATCH_SIZE, 400], ids=["inline", "built-in-a-second-process"])
def test_generated_declarations_are_consistent_and_actionable(app, monkeypatch, batch_size):
    monkeypatch.setattr(demo, "BATCH_SIZE", batch_size)  # more than one batch: rows are built in a forked process
    with app.app_context():
        before = db.session.scalar(select(func.max(Declaration.id))) or 0
        packages_before = db.session.scalar(select(func.max(RecommendationPackage.id))) or 0
        made = generate(N, organizations=200, seed=7, today=TODAY)
        assert made["declarations"] == N and made["organizations"] == 200
        rows = db.session.scalars(select(Declaration).where(Declaration.id > before)).all()
        assert len(rows) == N and any(r.package_id for r in rows)  # joined packages, new or made by a previous load
        assert {S(r.status) for r in rows} >= {S.DRAFT, S.UNDER_REVIEW, S.RETURNED, S.REJECTED, S.APPROVED}
        steps = {}
        for step in db.session.scalars(select(ReviewStep).where(ReviewStep.declaration_id > before)):
            steps.setdefault(step.declaration_id, []).append(step)
        records = dict(db.session.execute(select(ReviewRecord.declaration_id, func.count())
                                          .where(ReviewRecord.declaration_id > before)
                                          .group_by(ReviewRecord.declaration_id)).all())
        recommended_at = dict(db.session.execute(select(ReviewRecord.declaration_id, ReviewRecord.created_at).where(
            ReviewRecord.declaration_id > before, ReviewRecord.action == "recommend")).all())
        through_packages = made_here = 0
        for row in rows:
            own = sorted(steps.get(row.id, []), key=lambda s: s.position)
            if row.round == 0:
                assert not own and row.submitted_at is None and row.pending_authority_id is None
                continue
            assert [s.level for s in own] == ["county", "city", "top", "ministry"]
            by_level = {s.level: s for s in own}
            assert row.county_authority_id == by_level["county"].authority_id
            assert row.city_authority_id == by_level["city"].authority_id
            assert row.top_authority_id == by_level["top"].authority_id
            for column in ("county", "city", "top", "ministry"):
                assert getattr(row, f"{column}_step") == by_level[column].state
            in_review = [s for s in own if s.state == StepState.IN_REVIEW]
            decided = [s for s in own if s.state in (StepState.APPROVED, StepState.RETURNED, StepState.REJECTED)]
            recommended = by_level["top"].state == StepState.APPROVED
            if recommended:  # the province's approval put it in the province's package
                package = db.session.get(RecommendationPackage, row.package_id)
                assert package.authority_id == row.top_authority_id and row.package_rank >= 1
                if package.state == PackageState.DRAFT:  # waits: nobody's turn, the ministry not started
                    assert row.pending_authority_id is None and by_level["ministry"].state == StepState.NOT_STARTED
                else:  # went to the ministry with the rest of its package
                    assert package.letter_id and package.summary_id
                    assert by_level["ministry"].state != StepState.NOT_STARTED
                    assert by_level["top"].decided_at < recommended_at[row.id] == by_level["ministry"].started_at
                    if package.id > packages_before:  # made by this load: one submission time for all of it
                        assert recommended_at[row.id] == package.submitted_at
                        made_here += 1
            else:
                assert row.package_id is None
            submitted_package = recommended and package.state == PackageState.SUBMITTED
            through_packages += submitted_package
            assert records[row.id] == 1 + len(decided) + submitted_package
            assert all(s.started_at is not None for s in in_review + decided)
            assert all(s.decided_at >= s.started_at for s in decided)
            if row.status == S.UNDER_REVIEW and not (recommended and package.state == PackageState.DRAFT):
                assert len(in_review) == 1 and row.pending_authority_id == in_review[0].authority_id
            if row.status == S.APPROVED:
                assert all(s.state in (StepState.APPROVED, StepState.NOT_APPLICABLE) for s in own)
            if row.status in (S.RETURNED, S.REJECTED):
                assert [s.state for s in own].count(StepState.RETURNED if row.status == S.RETURNED
                                                    else StepState.REJECTED) == 1
        assert through_packages > 0 and (made_here > 0 or made["packages"] == 0)
        # nothing happens after today, and no province still reviews a batch and type it has recommended
        today = datetime.datetime.combine(TODAY, datetime.time())
        assert db.session.scalar(select(func.max(ReviewRecord.created_at)).where(
            ReviewRecord.declaration_id > before)) <= today
        assert max(r.submitted_at for r in rows if r.submitted_at) <= today
        submitted_packages = {(p.batch_id, p.declaration_type_id, p.authority_id) for p in db.session.scalars(
            select(RecommendationPackage).where(RecommendationPackage.state == PackageState.SUBMITTED))}
        assert not [r.id for r in rows if r.pending_authority_id is not None
                    and r.pending_authority_id == r.top_authority_id
                    and (r.batch_id, r.declaration_type_id, r.top_authority_id) in submitted_packages]
        # the lifecycle acts on generated rows like on any other
        pending = next(r for r in rows if r.status == S.UNDER_REVIEW  # at a county: no package involved
                       and r.pending_authority_id is not None and r.pending_authority_id == r.county_authority_id)
        authority = db.session.get(Authority, pending.pending_authority_id)
        reviewer = Actor(user_id=1, name="demo-reviewer", authority_id=authority.id, authority_kind=authority.kind)
        lifecycle.apply(db.session, pending, "approve", reviewer, Audience.REVIEWER,
                        now=datetime.datetime.combine(TODAY, datetime.time(10)))
        organization = db.session.get(Organization, pending.organization_id)
        assert organization.credit_code and pending.version > 1 and pending.status in (S.UNDER_REVIEW, S.APPROVED)
        db.session.commit()


def test_a_failing_row_builder_fails_the_load():
    def rows():
        yield 1
        raise ValueError("bad row")

    built = in_background(rows())
    assert next(built) == 1
    with pytest.raises(RuntimeError, match="bad row"):
        next(built)
