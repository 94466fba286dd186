"""A year of the list in the domain, end to end across the tiers, the national batch, 动态管理, 企业绿码 and
复核: a provincial round lists 绿源, the national batch that requires a 省级 listing accepts 绿源 and refuses
宝武, 绿源 files its 动态管理表 while 宝武 is reminded as late, closing the year grades 绿源, 复核 ends in
撤销 of 宝武 and the public list shows it."""
import datetime

import pytest
from sqlalchemy import select

from app.domain import DomainError, filing as filings, lifecycle as lc, listing, messages, public_list
from app.domain import publication as pub, recheck, tiers
from app.models import BatchWindow, DeclarationType, FilingReminder, GreenCode, ListedUnit
from app.models.catalog import BatchTier
from app.vocabulary import DeclarationStatus as S, ListingStatus
from tests import factories as f
from tests.domain.test_lifecycle import evaluate
from tests.filing_data import filed, listed, window

NOW = f.NOW
CHAIN = ("changan", "shijiazhuang", "hebeisheng")


def _published(db_session, batch, owner: str, days: int) -> None:
    actor = f.actor_of(owner)
    publication = pub.start_publicity(db_session, batch, actor, NOW, title=f"{batch.name}公示", starts=NOW.date(),
                                      ends=NOW.date() + datetime.timedelta(days=days), notice="")
    pub.publish(db_session, publication, actor, NOW + datetime.timedelta(days=days + 1))


def _declared(db_session, batch):
    declaration = f.drafted("qiye", "green_factory", batch)
    evaluate(db_session, declaration)
    f.act(declaration, "submit", "qiye")
    for username in CHAIN:
        f.act(declaration, "approve", username)
    return declaration


def test_a_year_of_the_list(db_session):
    green_factory = db_session.scalar(select(DeclarationType).where(DeclarationType.code == "green_factory"))
    lvyuan, baowu = f.organization("石家庄绿源机械制造有限公司"), f.organization("宝武绿色材料（河北）有限公司")

    # 1. 河北省's own round lists 绿源 at 省级, without a ministry step
    round_ = tiers.open_batch(db_session, f.actor_of("hebeisheng"), tier="provincial", name="省级绿色工厂年度批",
                              year=NOW.year, notice_no="冀工信节〔2026〕9号", today=NOW.date(),
                              windows=[tiers.WindowInput(green_factory.id, NOW.date() - datetime.timedelta(days=1),
                                                         NOW.date() + datetime.timedelta(days=30))])
    provincial = _declared(db_session, round_)
    assert provincial.status == S.APPROVED
    _published(db_session, round_, "hebeisheng", days=5)
    assert db_session.scalar(select(ListedUnit.tier).where(ListedUnit.declaration_id == provincial.id)) == \
        BatchTier.PROVINCIAL

    # 2. the national batch requires a valid 省级 listing: 绿源 may declare, 宝武 is told why it may not
    national = f.new_batch("国家级年度批", "green_factory")
    db_session.scalar(select(BatchWindow).where(BatchWindow.batch_id == national.id)).requires_provincial_listing = True
    db_session.flush()
    refusal = lc.creation_refusal(db_session, baowu, green_factory, national, NOW.date())
    assert refusal is not None and "省级绿色制造名单" in refusal.message
    with pytest.raises(DomainError, match="省级绿色制造名单"):
        lc.create(db_session, f.actor_of("yangqi"), green_factory, national, NOW)
    declaration = _declared(db_session, national)
    f.recommend(declaration, "hebeisheng")
    f.act(declaration, "approve", "gongxinbu")
    _published(db_session, national, "gongxinbu", days=13)
    unit = db_session.scalar(select(ListedUnit).where(ListedUnit.declaration_id == declaration.id))
    assert (unit.tier, unit.status, unit.organization_id) == (BatchTier.NATIONAL, ListingStatus.VALID, lvyuan.id)
    late = listed(baowu)  # 宝武's national listing of an earlier year

    # 3. the year's 动态管理: 绿源 files, 宝武 does not and is reminded once the due date has passed
    day = NOW + datetime.timedelta(days=20)  # after 发布名单
    annual = window(opens_on=day.date(), due_on=day.date() + datetime.timedelta(days=10))
    filed(annual, unit, now=day, indicators__energy_per_unit="90")
    overdue = day + datetime.timedelta(days=12)
    assert filings.remind(db_session, overdue).overdue >= 1
    yangqi = f.actor_of("yangqi")
    assert messages.unread_count(db_session, yangqi) >= 1
    assert any("逾期" in message.subject for message, _ in messages.inbox(db_session, yangqi))
    assert db_session.scalar(select(FilingReminder.id).where(  # 绿源 filed in time
        FilingReminder.window_id == annual.id, FilingReminder.listed_unit_id == unit.id)) is None

    # 4. closing the year grades the national units that filed, among their industry
    filings.close_window(db_session, annual, f.actor_of("gongxinbu"), overdue)
    graded = {code.listed_unit_id: code for code in db_session.scalars(
        select(GreenCode).where(GreenCode.year == annual.year))}
    assert unit.id in graded and late.id not in graded and graded[unit.id].grade in ("A+", "A", "B")

    # 5. 复核 of the late unit ends in 撤销, decided by the ministry, and the public list shows it
    hebei, ministry = f.actor_of("hebeisheng"), f.actor_of("gongxinbu")
    recheck.apply(db_session, late.id, "recheck", hebei, now=overdue, opinion="未按期报送动态管理表")
    with pytest.raises(DomainError):
        recheck.apply(db_session, late.id, "propose_revoke", hebei, now=overdue, opinion="")  # a reason is required
    recheck.apply(db_session, late.id, "propose_revoke", hebei, now=overdue, opinion="逾期未报送且经核实不再符合要求")
    assert late.status == ListingStatus.UNDER_RECHECK
    recheck.apply(db_session, late.id, "revoke", ministry, now=overdue, opinion="逾期未报送且经核实不再符合要求")
    assert (late.status, late.status_changed_on) == (ListingStatus.REVOKED, overdue.date())
    assert [e.action for e in late.events][0] == "listed" and "overdue_reminded" in [e.action for e in late.events]
    shown = list(public_list.rows(db_session, listing.Search(name="宝武绿色材料")))
    assert [(row.unit_name, row.status, row.reason) for row in shown] == [
        (baowu.name, ListingStatus.REVOKED, "逾期未报送且经核实不再符合要求")]
    still = list(public_list.rows(db_session, listing.Search(name="绿源", tier=BatchTier.NATIONAL)))
    assert [(row.unit_name, row.status) for row in still if row.batch == national.title] == [
        (lvyuan.name, ListingStatus.VALID)]
