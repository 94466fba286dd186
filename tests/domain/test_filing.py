"""动态管理 in the domain: windows, filings and their scores, worsened indicators, reminders with a clock, the
message centre, the grading's data and closing a window."""
import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.domain import DomainError, filing as filings, messages
from app.models import (ConfigChange, DeclarationType, FilingPeriod, FilingReminder, FilingStatus, FormDefinition,
                        ListingEvent, Message)
from tests import factories as f
from tests.filing_data import filed, listed, values, window

NOW = f.NOW


@pytest.fixture
def lvyuan(db_session):
    return f.organization("石家庄绿源机械制造有限公司")


def test_windows_default_to_the_notices_dates_and_refuse_what_cannot_be(db_session):
    green_factory = db_session.scalar(select(DeclarationType).where(DeclarationType.code == "green_factory"))
    annual = filings.open_window(db_session, declaration_type=green_factory, year=1990 + 35 + 70,
                                 period=FilingPeriod.ANNUAL, opens_on=datetime.date(2096, 1, 1))
    assert annual.due_on == datetime.date(2096, 1, 15)
    assert annual.form_definition.purpose == "filing" and annual.form_definition.declaration_type_id == green_factory.id
    half = filings.open_window(db_session, declaration_type=green_factory, year=2095, period=FilingPeriod.HALF_YEAR,
                               opens_on=datetime.date(2095, 7, 1))
    assert half.due_on == datetime.date(2095, 7, 15)
    assert half.title == "2095上半年 绿色工厂动态管理表"
    with pytest.raises(DomainError, match="不能重复"):
        filings.open_window(db_session, declaration_type=green_factory, year=2095, period=FilingPeriod.ANNUAL,
                            opens_on=datetime.date(2095, 12, 1))
    with pytest.raises(DomainError, match="开始填报日期不能晚于截止日期"):
        filings.open_window(db_session, declaration_type=green_factory, year=2094, period=FilingPeriod.ANNUAL,
                            opens_on=datetime.date(2095, 2, 1), due_on=datetime.date(2095, 1, 31))
    declaration_form = db_session.scalar(select(FormDefinition).where(
        FormDefinition.declaration_type_id == green_factory.id, FormDefinition.purpose == "declaration"))
    with pytest.raises(DomainError, match="不是绿色工厂的动态管理表"):
        filings.open_window(db_session, declaration_type=green_factory, year=2093, period=FilingPeriod.ANNUAL,
                            opens_on=datetime.date(2093, 12, 1), form_definition=declaration_form)


def test_the_filing_form_is_no_batch_form(db_session):
    from app.domain.catalog import latest_form

    green_factory = db_session.scalar(select(DeclarationType).where(DeclarationType.code == "green_factory"))
    chosen = db_session.get(FormDefinition, latest_form(db_session, green_factory.id))
    assert chosen.purpose == "declaration" and chosen.version == "2026.3"
    assert filings.latest_filing_form(db_session, green_factory.id).version == "2025.2"


def test_a_unit_saves_a_draft_and_submits_its_filing_with_a_computed_score(db_session, lvyuan):
    unit, open_ = listed(lvyuan), window()
    qiye = f.actor_of("qiye")
    with pytest.raises(DomainError, match="本单位"):
        filings.start(db_session, open_, unit, f.actor_of("yangqi"), NOW)  # 宝武's user: another organization
    with pytest.raises(DomainError, match="本单位"):
        filings.start(db_session, open_, unit, f.actor_of("hebeisheng"), NOW)
    filing = filings.start(db_session, open_, unit, qiye, NOW)
    assert filings.start(db_session, open_, unit, qiye, NOW) is filing  # the same draft again
    assert filing.form_data["basic"]["factory_name"] == lvyuan.name  # prefilled from the profile
    # a bad value: nothing stored, the problem named at its field
    typed = values(open_, indicators__energy_per_unit="九十")
    problems = filings.save(db_session, filing, typed, qiye, NOW)
    assert list(problems.errors) == ["indicators.energy_per_unit"] and "数字" in problems.errors[
        "indicators.energy_per_unit"]
    assert "energy_per_unit" not in filing.form_data.get("indicators", {})
    # an incomplete draft is saved, and refused at 提交 with each missing field named
    partial = values(open_)
    del partial["declaration"]["statement"], partial["indicators"]["water_per_unit"]
    assert not filings.save(db_session, filing, partial, qiye, NOW)
    with pytest.raises(DomainError) as refused:
        filings.submit(db_session, filing, qiye, NOW)
    assert set(refused.value.errors) == {"declaration.statement", "indicators.water_per_unit"}
    assert filing.status == FilingStatus.DRAFT
    # complete: the score is the indicators' points (energy 100 between 120 and 80: half of 20 = 10)
    complete = values(open_, indicators__energy_per_unit="100", indicators__water_per_unit="2",
                      indicators__carbon_per_unit="1.0", indicators__solid_waste_use="95",
                      indicators__renewable_share="5", indicators__water_reuse="87.5",
                      indicators__land_output="9000")
    assert not filings.save(db_session, filing, complete, qiye, NOW)
    filings.submit(db_session, filing, qiye, NOW)
    assert filing.status == FilingStatus.SUBMITTED and filing.submitted_at == NOW and filing.submitter_name == "qiye"
    by_key = {i["key"]: i for i in filing.indicator_scores}
    assert by_key["indicators.energy_per_unit"]["score"] == "10.00"
    assert by_key["indicators.water_per_unit"]["score"] == "15.00"
    assert by_key["indicators.carbon_per_unit"]["score"] == "0.00"
    assert by_key["indicators.water_reuse"]["score"] == "5.00"
    assert filing.score == Decimal("10") + 15 + 0 + 15 + 0 + 5 + 10
    events = db_session.scalars(select(ListingEvent).where(ListingEvent.listed_unit_id == unit.id)).all()
    assert [e.action for e in events] == ["listed", "filed"] and "指标得分 55.00" in events[-1].opinion
    with pytest.raises(DomainError, match="不能再修改"):
        filings.save(db_session, filing, complete, qiye, NOW)


def test_only_units_due_in_the_window_file(db_session, lvyuan):
    revoked = listed(lvyuan)
    revoked.status = "revoked"
    late_listed = listed(lvyuan, on=NOW.date() + datetime.timedelta(days=20))  # listed after the due date
    other_type = listed(lvyuan, type_code="green_park")
    open_ = window()
    for unit in (revoked, late_listed, other_type):
        with pytest.raises(DomainError, match="不在"):
            filings.start(db_session, open_, unit, f.actor_of("qiye"), NOW)
    assert {d.unit.id for d in filings.due_for(db_session, f.actor_of("qiye"), NOW.date()) if d.window.id == open_.id
            }.isdisjoint(
        {revoked.id, late_listed.id, other_type.id})


def test_a_closed_or_unopened_window_takes_no_filing(db_session, lvyuan):
    unit = listed(lvyuan)
    later = window(opens_on=NOW.date() + datetime.timedelta(days=3), due_on=NOW.date() + datetime.timedelta(days=30))
    with pytest.raises(DomainError, match="起填报"):
        filings.start(db_session, later, unit, f.actor_of("qiye"), NOW)
    open_ = window()
    draft = filings.start(db_session, open_, unit, f.actor_of("qiye"), NOW)
    ministry = f.actor_of("gongxinbu")
    filings.close_window(db_session, open_, ministry, NOW)
    assert open_.closed and open_.closed_on == NOW.date()
    change = db_session.scalar(select(ConfigChange).where(ConfigChange.table_name == "filing_window",
                                                          ConfigChange.row_id == str(open_.id)))
    assert change.action == "close" and change.username == "gongxinbu"
    with pytest.raises(DomainError, match="无需再次关闭"):
        filings.close_window(db_session, open_, ministry, NOW)
    with pytest.raises(DomainError, match="已关闭"):
        filings.save(db_session, draft, values(open_), f.actor_of("qiye"), NOW)


def test_worsened_indicators_follow_each_direction(db_session, lvyuan):
    unit = listed(lvyuan)
    today = NOW.date()
    before = window(year=2080, opens_on=today - datetime.timedelta(days=400),
                    due_on=today - datetime.timedelta(days=350))
    now = window(year=2081)
    filed(before, unit, now=NOW - datetime.timedelta(days=360), indicators__energy_per_unit="90",
          indicators__solid_waste_use="80", indicators__renewable_share="10", indicators__water_per_unit="3")
    current = filed(now, unit, indicators__energy_per_unit="95", indicators__solid_waste_use="85",
                    indicators__renewable_share="8", indicators__water_per_unit="3")
    changes = filings.worsened_since_previous(db_session, current)
    assert [(c.key, c.before, c.after) for c in changes] == [
        ("indicators.energy_per_unit", Decimal("90"), Decimal("95")),  # lower is better: it rose
        ("indicators.renewable_share", Decimal("10"), Decimal("8")),  # higher is better: it fell
    ]
    assert filings.previous_of(db_session, current).window_id == before.id
    assert filings.worsened_since_previous(db_session, filings.previous_of(db_session, current)) == []
    rows = {r.unit.id: r for r in filings.overview(db_session, now, f.actor_of("hebeisheng"), today)}
    assert [c.label for c in rows[unit.id].changes] == ["单位产品综合能耗", "可再生能源使用比例"]


def test_a_filing_is_compared_with_the_period_before_whenever_its_window_was_opened(db_session, lvyuan):
    """A window for an earlier year opened late (due after a later year's) still compares with the year before it,
    not with the later year; the first half of a year comes before the year."""
    unit = listed(lvyuan)
    later = window(year=2071)
    late_opened_earlier = window(year=2070, due_on=NOW.date() + datetime.timedelta(days=20))
    first_half = window(year=2070, period=FilingPeriod.HALF_YEAR)
    filed(later, unit, indicators__energy_per_unit="50")
    half = filed(first_half, unit, indicators__energy_per_unit="80")
    year = filed(late_opened_earlier, unit, indicators__energy_per_unit="90")
    assert filings.previous_of(db_session, year).id == half.id
    assert [c.key for c in filings.worsened_since_previous(db_session, year)] == ["indicators.energy_per_unit"]
    assert filings.previous_of(db_session, half) is None  # nothing before 2070's first half
    rows = {r.unit.id: r for r in filings.overview(db_session, late_opened_earlier, f.actor_of("hebeisheng"),
                                                    NOW.date())}
    assert [(c.before, c.after) for c in rows[unit.id].changes] == [(Decimal("80"), Decimal("90"))]


def test_reminders_before_and_after_the_due_date_are_sent_once(db_session, lvyuan):
    baowu = f.organization("宝武绿色材料（河北）有限公司")
    today = NOW.date()
    open_ = window(opens_on=today, due_on=today + datetime.timedelta(days=10))
    late_one, early_one, diligent = listed(lvyuan), listed(baowu), listed(lvyuan)
    filed(open_, diligent)

    def sent(kind=None):
        query = select(func.count()).select_from(FilingReminder).where(FilingReminder.window_id == open_.id)
        return db_session.scalar(query.where(FilingReminder.kind == kind) if kind else query)

    assert filings.remind(db_session, NOW).due_soon == 0 and sent() == 0  # 10 days before: not yet
    five_before = NOW + datetime.timedelta(days=5)
    first = filings.remind(db_session, five_before)
    assert sent("due_soon") == first.due_soon >= 2  # every unfiled unit of the type (this test's two at least)
    reminded = set(db_session.scalars(select(FilingReminder.listed_unit_id).where(FilingReminder.window_id == open_.id)))
    assert {late_one.id, early_one.id} <= reminded and diligent.id not in reminded
    assert filings.remind(db_session, five_before + datetime.timedelta(days=1)).due_soon == 0  # idempotent
    filed(open_, early_one, username="yangqi", now=five_before)
    after = NOW + datetime.timedelta(days=11)
    overdue = filings.remind(db_session, after)
    assert overdue.overdue == sent("overdue") and overdue.due_soon == 0
    late = set(db_session.scalars(select(FilingReminder.listed_unit_id).where(
        FilingReminder.window_id == open_.id, FilingReminder.kind == "overdue")))
    assert late_one.id in late and early_one.id not in late and diligent.id not in late
    assert filings.remind(db_session, after + datetime.timedelta(days=3)).overdue == 0
    message = db_session.get(Message, db_session.scalar(select(FilingReminder.message_id).where(
        FilingReminder.window_id == open_.id, FilingReminder.listed_unit_id == late_one.id,
        FilingReminder.kind == "overdue")))
    assert message.organization_id == lvyuan.id and "逾期" in message.subject and message.link == "/filings/"
    assert {"reminded", "overdue_reminded"} <= {e.action for e in late_one.events if open_.title in (e.opinion or "")}
    filings.close_window(db_session, open_, f.actor_of("gongxinbu"), after)
    before_closed = sent()
    filings.remind(db_session, after + datetime.timedelta(days=5))
    assert sent() == before_closed  # a closed window reminds no one


def test_window_scores_are_what_the_grading_reads(db_session, lvyuan):
    unit, draft_unit = listed(lvyuan), listed(lvyuan)
    open_ = window()
    filing = filed(open_, unit, indicators__energy_per_unit="80")
    filings.start(db_session, open_, draft_unit, f.actor_of("qiye"), NOW)  # a draft is not graded
    scores = filings.window_scores(db_session, open_)
    assert [s["listed_unit_id"] for s in scores] == [unit.id]
    entry = scores[0]
    assert entry["industry_id"] == unit.industry_id and entry["score"] == filing.score
    energy = next(i for i in entry["indicators"] if i["key"] == "indicators.energy_per_unit")
    assert energy == {"key": "indicators.energy_per_unit", "label": "单位产品综合能耗", "value": Decimal("80"),
                      "score": Decimal("20.00"), "max": Decimal("20")}
    assert len(entry["indicators"]) == 7 and sum(i["score"] for i in entry["indicators"]) == entry["score"]


def test_messages_are_read_per_person(db_session, lvyuan):
    qiye, hebei = f.actor_of("qiye"), f.actor_of("hebeisheng")
    before = messages.unread_count(db_session, qiye)
    to_org = messages.post(db_session, organization_id=lvyuan.id, subject="通知", body="请于月底前完成填报", now=NOW)
    to_user = messages.post(db_session, user_id=hebei.user_id, subject="个人消息", body="正文", link="/filing-review/",
                            now=NOW)
    assert messages.unread_count(db_session, qiye) == before + 1
    assert to_user.id in {m.id for m, _ in messages.inbox(db_session, hebei)}
    assert to_org.id not in {m.id for m, _ in messages.inbox(db_session, hebei)}
    with pytest.raises(DomainError):
        messages.mine(db_session, hebei, to_org.id)
    messages.mark_read(db_session, qiye, to_org, NOW)
    messages.mark_read(db_session, qiye, to_org, NOW)  # again: nothing changes
    assert messages.unread_count(db_session, qiye) == before
    with pytest.raises(ValueError):
        messages.post(db_session, subject="无收件人", body="", now=NOW)
    with pytest.raises(ValueError):
        messages.post(db_session, user_id=hebei.user_id, subject="外链", body="", link="https://example.com", now=NOW)
    assert messages.mark_all_read(db_session, hebei, NOW) >= 1 and messages.unread_count(db_session, hebei) == 0


def test_a_save_over_a_concurrent_change_is_refused(db_session, lvyuan):
    from sqlalchemy import update

    from app.models import Filing

    open_ = window()
    filing = filings.start(db_session, open_, listed(lvyuan), f.actor_of("qiye"), NOW)
    db_session.execute(update(Filing).where(Filing.id == filing.id).values(version=Filing.version + 1)
                       .execution_options(synchronize_session=False))  # saved meanwhile in another tab
    with pytest.raises(DomainError, match="刚在别处保存或提交过") as refused:
        filings.save(db_session, filing, values(open_), f.actor_of("qiye"), NOW)
    assert refused.value.kind == "conflict"


def test_closing_a_years_window_grades_the_national_units_that_filed(db_session, lvyuan):
    from app.models import GreenCode
    from app.models.catalog import BatchTier

    baowu = f.organization("宝武绿色材料（河北）有限公司")
    better, worse, provincial = listed(lvyuan), listed(baowu), listed(lvyuan)
    for unit in (better, worse, provincial):
        unit.industry_id = lvyuan.industry_id
    provincial.tier = BatchTier.PROVINCIAL
    annual = window()
    filed(annual, better, indicators__energy_per_unit="80")  # at the 引领值: full marks
    filed(annual, worse, "yangqi", indicators__energy_per_unit="120")  # at the 基准值: none
    filed(annual, provincial, indicators__energy_per_unit="80")
    half = window(period=FilingPeriod.HALF_YEAR, year=annual.year)
    filings.close_window(db_session, half, f.actor_of("gongxinbu"), NOW)
    assert db_session.scalar(select(func.count()).select_from(GreenCode)) == 0  # half a year grades nothing
    filings.close_window(db_session, annual, f.actor_of("gongxinbu"), NOW)
    grades = {g.listed_unit_id: (g.grade, g.rank, g.peers) for g in db_session.scalars(
        select(GreenCode).where(GreenCode.year == annual.year))}
    assert grades == {better.id: ("A", 1, 2), worse.id: ("B", 2, 2)}  # the provincial unit is not graded


def test_a_default_due_date_before_the_opening_is_named_as_the_default(db_session):
    green_factory = db_session.scalar(select(DeclarationType).where(DeclarationType.code == "green_factory"))
    with pytest.raises(DomainError, match="按通知默认的截止日期 2089-01-15 早于开始填报日期 2089-11-01") as refused:
        filings.open_window(db_session, declaration_type=green_factory, year=2088, period=FilingPeriod.ANNUAL,
                            opens_on=datetime.date(2089, 11, 1))
    assert "请填写截止日期" in str(refused.value.message)


def test_a_unit_that_filed_stays_in_its_window_when_the_due_date_moves_before_its_listing(db_session, lvyuan):
    hebei = f.actor_of("hebeisheng")
    open_ = window()
    submitted, drafting, waiting = listed(lvyuan), listed(lvyuan), listed(lvyuan)
    filed(open_, submitted)
    filings.start(db_session, open_, drafting, f.actor_of("qiye"), NOW)
    open_.due_on = submitted.listed_on - datetime.timedelta(days=1)  # edited in the console: all three listed later
    db_session.flush()
    shown = {row.unit.id: row for row in filings.overview(db_session, open_, hebei, NOW.date())}
    assert submitted.id in shown and shown[submitted.id].filing.status == FilingStatus.SUBMITTED
    assert drafting.id in shown and shown[drafting.id].filing is not None
    assert waiting.id not in shown  # no filing: listed after the due date, not due
    submitted.status = "revoked"  # revoked after it filed: its filing is still seen
    db_session.flush()
    assert submitted.id in {row.unit.id for row in filings.overview(db_session, open_, hebei, NOW.date())}
    due = {d.unit.id for d in filings.due_for(db_session, f.actor_of("qiye"), NOW.date()) if d.window.id == open_.id}
    assert drafting.id in due and waiting.id not in due


def test_submitting_reads_the_windows_reminders_to_the_unit(db_session, lvyuan):
    qiye = f.actor_of("qiye")
    today = NOW.date()
    open_ = window(opens_on=today - datetime.timedelta(days=30), due_on=today - datetime.timedelta(days=1))
    unit, other = listed(lvyuan), listed(lvyuan)
    filings.remind(db_session, NOW - datetime.timedelta(days=3))  # 填报提醒
    filings.remind(db_session, NOW)  # 逾期提醒
    reminders = dict(db_session.execute(select(FilingReminder.message_id, FilingReminder.listed_unit_id).where(
        FilingReminder.window_id == open_.id, FilingReminder.listed_unit_id.in_([unit.id, other.id]))).all())
    assert sorted(reminders.values()) == sorted([unit.id, unit.id, other.id, other.id])
    unread = {m.id for m, read in messages.inbox(db_session, qiye, limit=10_000) if not read}
    assert set(reminders) <= unread
    before = messages.unread_count(db_session, qiye)
    filed(open_, unit)
    unread = {m.id for m, read in messages.inbox(db_session, qiye, limit=10_000) if not read}
    assert {pk for pk, owner in reminders.items() if owner == unit.id}.isdisjoint(unread)
    assert {pk for pk, owner in reminders.items() if owner == other.id} <= unread  # another unit's: still to do
    assert messages.unread_count(db_session, qiye) == before - 2
