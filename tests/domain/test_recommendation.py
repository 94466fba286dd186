"""Recommendation packages and publication (SPEC §3 items 6-7), through the domain alone."""
import datetime
import uuid

import pytest
from sqlalchemy import select

from app.domain import DomainError
from app.domain import lifecycle as lc, publication as pub, recommendation as rec
from app.domain.scope import Audience, listed_unit_scope
from app.vocabulary import DeclarationStatus as S, ListingStatus, PackageState, PublicationStage, StepState
from app.models import (Attachment, Batch, BatchTier, Declaration, ListedUnit, PackageEvent, RecommendationPackage,
                        ReviewRecord)
from tests import factories as f

NOW = f.NOW


def at_package(count: int = 3) -> list[Declaration]:
    """In a batch of the test's own: other tests' packages and declarations stay out of the counts."""
    return f.in_package(f.new_batch(f"测试批{uuid.uuid4().hex[:8]}", "energy_saving_tech"), count)


def stamped(session, which: str) -> Attachment:
    row = Attachment(purpose=rec.FILE_PURPOSES[which], original_name=f"{which}.pdf", storage_key=f"p/{uuid.uuid4().hex}.pdf",
                     content_type="application/pdf", size=1, sha256="0" * 64)
    session.add(row)
    session.flush()
    return row


def records(session, declaration) -> list[str]:
    return list(session.scalars(select(ReviewRecord.action).where(ReviewRecord.declaration_id == declaration.id)
                                .order_by(ReviewRecord.id)))


def test_top_approval_joins_the_package_in_order(db_session):
    first, second, third = at_package()
    package = first.package
    assert package is second.package is third.package and package.state == PackageState.DRAFT
    assert [d.package_rank for d in (first, second, third)] == [1, 2, 3]
    assert all(d.status == S.UNDER_REVIEW and d.pending_authority_id is None and d.top_step == StepState.APPROVED
               and d.ministry_step == StepState.NOT_STARTED for d in (first, second, third))
    assert package.state_label == "未上传推荐函 · 未提交汇总表"


def test_submit_needs_both_stamped_files(db_session):
    declarations = at_package(2)
    package = declarations[0].package
    hebei = f.actor_of("hebeisheng")
    with pytest.raises(DomainError, match="推荐函、推荐汇总表"):
        rec.submit(db_session, package, hebei, NOW)
    rec.attach(db_session, package, "letter", stamped(db_session, "letter"), hebei, NOW)
    assert package.state_label == "已上传推荐函 · 未提交汇总表"
    with pytest.raises(DomainError, match="推荐汇总表"):
        rec.submit(db_session, package, hebei, NOW)
    assert all(d.pending_authority_id is None for d in declarations)
    rec.attach(db_session, package, "summary", stamped(db_session, "summary"), hebei, NOW)
    assert rec.submit(db_session, package, hebei, NOW) == 2
    ministry = f.authority("ministry").id
    assert package.state == PackageState.SUBMITTED and package.state_label == "已提交推荐"
    assert all(d.pending_authority_id == ministry and d.ministry_step == StepState.IN_REVIEW for d in declarations)
    assert records(db_session, declarations[0])[-1] == "recommend"
    assert [e.action for e in rec.history(db_session, package)] == ["letter", "summary", "submit"]


def test_only_the_own_authority_acts_on_a_package(db_session):
    package = at_package(1)[0].package
    for username in ("jituan", "shijiazhuang", "gongxinbu"):
        with pytest.raises(DomainError, match="本部门"):
            rec.attach(db_session, package, "letter", stamped(db_session, "letter"), f.actor_of(username), NOW)
    visible = lambda username: db_session.scalars(select(RecommendationPackage.id).where(  # noqa: E731
        rec.package_scope(f.actor_of(username)))).all()
    assert package.id in visible("hebeisheng")
    assert all(package.id not in visible(username) for username in ("jituan", "changan", "shijiazhuang"))
    assert package.id not in visible("gongxinbu")  # the ministry sees a package only once it is submitted
    f.recommend(rec.members(db_session, package)[0], "hebeisheng")
    assert package.id in visible("gongxinbu")


def test_ranking_is_kept_in_the_summary_table(db_session):
    first, second, third = at_package()
    package = first.package
    hebei = f.actor_of("hebeisheng")
    with pytest.raises(DomainError, match="每一项"):
        rec.rank(db_session, package, [third.id, first.id], hebei, NOW)
    with pytest.raises(DomainError, match="每一项"):
        rec.rank(db_session, package, [third.id, first.id, first.id], hebei, NOW)
    rec.rank(db_session, package, [third.id, first.id, second.id], hebei, NOW)
    rows = rec.summary_rows(db_session, package)
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [r[1] for r in rows] == [third.unit_name, first.unit_name, second.unit_name]
    assert [r[2] for r in rows] == [third.title or "", first.title or "", second.title or ""]
    organization = f.organization("石家庄绿源机械制造有限公司")
    assert rows[0][3] == organization.credit_code and rows[0][6] == "工业节能技术目录"
    assert len(rows[0]) == len(rec.SUMMARY_COLUMNS)


def test_submission_forwards_all_or_nothing(db_session):
    declarations = at_package(3)
    package = declarations[0].package
    hebei = f.actor_of("hebeisheng")
    for which in ("letter", "summary"):
        rec.attach(db_session, package, which, stamped(db_session, which), hebei, NOW)
    # The last one was changed behind the package's back (e.g. by a concurrent session): nothing may move.
    declarations[2].status = S.RETURNED
    db_session.flush()
    with pytest.raises(DomainError, match="状态已变化"):
        with db_session.begin_nested():
            rec.submit(db_session, package, hebei, NOW)
    db_session.expire_all()
    assert package.state == PackageState.DRAFT
    assert [d.ministry_step for d in declarations] == [StepState.NOT_STARTED] * 3
    assert all(d.pending_authority_id is None for d in declarations)
    assert "recommend" not in records(db_session, declarations[0])


def test_withdraw_before_the_ministry_acts(db_session):
    declarations = at_package(2)
    package = declarations[0].package
    f.recommend(declarations[0], "hebeisheng")
    hebei = f.actor_of("hebeisheng")
    with pytest.raises(DomainError, match="原因"):
        rec.withdraw(db_session, package, hebei, NOW, " ")
    with pytest.raises(DomainError, match="本部门"):
        rec.withdraw(db_session, package, f.actor_of("jituan"), NOW, "误报")
    rec.withdraw(db_session, package, hebei, NOW, "汇总表盖章有误")
    assert package.state == PackageState.DRAFT
    assert all(d.pending_authority_id is None and d.ministry_step == StepState.NOT_STARTED for d in declarations)
    assert records(db_session, declarations[1])[-2:] == ["recommend", "unrecommend"]
    event = db_session.scalars(select(PackageEvent).where(PackageEvent.package_id == package.id)
                               .order_by(PackageEvent.id.desc())).first()
    assert (event.action, event.note, event.actor_name) == ("withdraw", "汇总表盖章有误", "hebeisheng")
    # again, and this time the ministry decides on one: the package can no longer be withdrawn
    rec.submit(db_session, package, hebei, NOW)
    f.act(declarations[0], "approve", "gongxinbu")
    with pytest.raises(DomainError, match="工信部已开始审核"):
        rec.withdraw(db_session, package, hebei, NOW, "再撤")
    assert declarations[1].pending_authority_id == f.authority("ministry").id


def test_a_submitted_package_takes_no_late_approval(db_session):
    first = at_package(1)[0]
    f.recommend(first, "hebeisheng")
    late = f.act(f.drafted("qiye", "energy_saving_tech", first.batch), "submit", "qiye")
    f.act(late, "approve", "changan")
    f.act(late, "approve", "shijiazhuang")
    with pytest.raises(DomainError, match="已提交工信部"):
        f.act(late, "approve", "hebeisheng")
    assert late.pending_authority_id == f.authority("province", "130000").id
    f.act(late, "return", "hebeisheng", opinion="请补充能耗数据")  # other decisions stay possible
    assert late.status == S.RETURNED


def test_reopen_takes_a_declaration_back_to_review(db_session):
    first, second = at_package(2)
    package = first.package
    hebei = f.actor_of("hebeisheng")
    with pytest.raises(DomainError, match="原因"):
        rec.reopen(db_session, package, first, hebei, NOW, "")
    rec.reopen(db_session, package, first, hebei, NOW, "能耗数据存疑")
    assert first.package_id is None and first.pending_authority_id == package.authority_id
    assert first.top_step == StepState.IN_REVIEW and second.package_rank == 1
    f.act(first, "reject", "hebeisheng", opinion="能耗数据不实")
    assert first.status == S.REJECTED and records(db_session, first)[-2:] == ["reopen", "reject"]


def _publishable(db_session) -> tuple[list[Declaration], Batch]:
    declarations = at_package(3)
    f.recommend(declarations[0], "hebeisheng")
    for declaration in declarations:
        f.act(declaration, "approve", "gongxinbu")
    return declarations, declarations[0].batch


def test_ministry_decisions_are_worded_as_final(db_session):
    declaration = at_package(1)[0]
    f.recommend(declaration, "hebeisheng")
    buttons = {t.name: t.label for t in lc.allowed(db_session, declaration, f.actor_of("gongxinbu"),
                                                    Audience.REVIEWER, NOW)}
    assert buttons == {"approve": "通过（拟入选）", "return": "退回修改", "reject": "不予通过"}
    assert lc.action_label("reject", "ministry") == "不予通过" and lc.action_label("reject", "top") == "不予推荐"


def test_publicity_then_the_list_freezes_declarations(db_session):
    declarations, batch = _publishable(db_session)
    ministry = f.actor_of("gongxinbu")
    start = dict(title="第八批绿色制造名单公示", starts=NOW.date(), ends=NOW.date() + datetime.timedelta(days=13),
                 notice="异议请发送至 lvse@miit.gov.cn")
    with pytest.raises(DomainError, match="组织部门"):
        pub.start_publicity(db_session, batch, f.actor_of("hebeisheng"), NOW, **start)
    with pytest.raises(DomainError, match="结束日期"):
        pub.start_publicity(db_session, batch, ministry, NOW, **dict(start, ends=NOW.date() - datetime.timedelta(1)))
    pending = f.act(f.drafted("qiye", "energy_saving_tech", batch), "submit", "qiye")
    for username in ("changan", "shijiazhuang"):  # still at the province: it does not hold up the publicity
        f.act(pending, "approve", username)
    publication = pub.start_publicity(db_session, batch, ministry, NOW, **start)
    assert publication.stage == PublicationStage.PUBLICITY
    assert [d.status for d in declarations] == [S.PUBLICITY] * 3 and pending.status == S.UNDER_REVIEW
    assert pub.entry_count(db_session, publication) == 3
    # frozen: no transition for anyone, no content change
    for declaration in declarations:
        for username, audience in (("qiye", Audience.APPLICANT), ("gongxinbu", Audience.REVIEWER),
                                   ("hebeisheng", Audience.REVIEWER)):
            assert lc.allowed(db_session, declaration, f.actor_of(username), audience, NOW) == []
        with pytest.raises(DomainError, match="不能修改"):
            lc.save_content(declaration, {}, now=NOW)
    with pytest.raises(DomainError, match="原因"):
        pub.object_to(db_session, publication, declarations[1], ministry, NOW, "")
    pub.object_to(db_session, publication, declarations[1], ministry, NOW, "公示期间收到实名举报，经核实存在环保处罚")
    assert declarations[1].status == S.REJECTED and declarations[1].ministry_step == StepState.REJECTED
    with pytest.raises(DomainError, match="公示期满"):
        pub.publish(db_session, publication, ministry, NOW)
    later = NOW + datetime.timedelta(days=14)
    assert pub.publish(db_session, publication, ministry, later) == 2
    assert [d.status for d in declarations] == [S.LISTED, S.REJECTED, S.LISTED]
    assert publication.stage == PublicationStage.PUBLISHED and publication.published_on == later.date()
    assert [row.id for row in pub.entries(db_session, publication)] == sorted(
        [declarations[0].id, declarations[2].id], key=lambda i: (db_session.get(Declaration, i).unit_name, i))
    with pytest.raises(DomainError, match="名单已发布"):
        pub.object_to(db_session, publication, declarations[0], ministry, later, "迟到的异议")
    assert records(db_session, declarations[0])[-2:] == ["publicize", "publish"]
    units = db_session.scalars(select(ListedUnit).where(ListedUnit.batch_id == batch.id)
                               .order_by(ListedUnit.declaration_id)).all()
    assert [(u.declaration_id, u.tier, u.year, u.status, u.listed_on, u.listed_by_id) for u in units] == [
        (d.id, BatchTier.NATIONAL, batch.year, ListingStatus.VALID, later.date(), batch.owner_id)
        for d in (declarations[0], declarations[2])]
    assert [(e.action, e.to_status, e.actor_name) for e in units[0].events] == [("listed", "valid", ministry.name)]
    # after the list: the unit's own organization, its chain's reviewers and the ministry see it; no one else
    seen = {username: set(db_session.scalars(select(ListedUnit.declaration_id).where(
        ListedUnit.batch_id == batch.id, listed_unit_scope(f.actor_of(username))))) for username in
        ("qiye", "yuanqu", "changan", "shijiazhuang", "hebeisheng", "jituan", "gongxinbu", "sanfang")}
    owners = {u.declaration_id: u.organization_id for u in units}
    assert seen["gongxinbu"] == seen["hebeisheng"] == set(owners)
    assert seen["qiye"] == {d for d, o in owners.items() if o == f.actor_of("qiye").organization_id}
    assert seen["sanfang"] == seen["jituan"] == set()


def test_publicity_waits_for_every_pending_decision(db_session):
    declarations = at_package(2)
    f.recommend(declarations[0], "hebeisheng")
    f.act(declarations[0], "approve", "gongxinbu")
    with pytest.raises(DomainError, match="还有 1 项申报待审核"):
        pub.start_publicity(db_session, declarations[0].batch, f.actor_of("gongxinbu"), NOW, title="公示",
                            starts=NOW.date(), ends=NOW.date(), notice="")
