"""动态管理 through the test client: the unit's filing pages, the province's view, another province's or
organization's filing refused, the message centre, the console's filing windows, and who reaches which page."""
import datetime
import re

import pytest
from sqlalchemy import select

from app.domain import filing as filings, messages
from app.extensions import db
from app.models import Filing, FilingStatus, FilingWindow, ListingEvent, Message
from tests import factories as f
from tests.conftest import csrf_token
from tests.filing_data import filed, listed, values, window

GUANGDONG_CHAIN = (("county", "440304"), ("province", "440000"))


def text_of(response) -> str:
    html = response if isinstance(response, str) else response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def world(app):
    """绿源's unit (河北) with an open window, a late window with another unfiled 绿源 unit, and a 深圳 unit
    (广东) that filed; they stay until the module's database goes."""
    with app.app_context():
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        shenzhen = f.make_organization("深圳市动态管理测试有限公司", "440304", "MA5F0K2L")
        today = f.NOW.date()
        unit, late_unit, other = listed(lvyuan), listed(lvyuan), listed(shenzhen, GUANGDONG_CHAIN)
        open_ = window()
        past = window(opens_on=today - datetime.timedelta(days=60), due_on=today - datetime.timedelta(days=1))
        actor = filings.Actor(user_id=None, name="深圳测试", organization_id=shenzhen.id, org_type="enterprise")
        other_filing = filings.start(db.session, open_, other, actor, f.NOW)
        assert not filings.save(db.session, other_filing, values(open_), actor, f.NOW)
        filings.submit(db.session, other_filing, actor, f.NOW)
        db.session.commit()
        return {"unit": unit.id, "late_unit": late_unit.id, "other": other.id, "window": open_.id, "past": past.id,
                "other_filing": other_filing.id, "lvyuan": lvyuan.id, "unit_name": unit.unit_name,
                "window_title": open_.title, "past_title": past.title}


def fields(window_id, app, **overrides) -> dict:
    """The page's form fields (`f|section|field`) of complete values."""
    with app.app_context():
        data = values(db.session.get(FilingWindow, window_id), **overrides)
    return {f"f|{section}|{key}": value for section, items in data.items() for key, value in items.items()}


def test_the_unit_fills_saves_and_submits_its_filing(app, client_as, world):
    qiye = client_as("qiye")
    index = qiye.get("/filings/")
    assert index.status_code == 200 and world["window_title"] in text_of(index)
    assert world["past_title"] in text_of(index) and "已逾期" in text_of(index)
    home = text_of(qiye.get("/"))
    assert "待填报的动态管理表" in home and world["window_title"] in home
    token = csrf_token(index.get_data(as_text=True))
    started = qiye.post(f"/filings/start/{world['window']}/{world['unit']}", data={"csrf_token": token})
    assert started.status_code == 302
    edit_url = started.headers["Location"]
    page = qiye.get(edit_url)
    assert page.status_code == 200 and "单位产品综合能耗" in text_of(page) and "基准值 120kgce/t" in text_of(page)
    assert '<input type="checkbox" name="f|declaration|pledge"' in page.get_data(as_text=True)  # 承诺: a box to tick
    # a bad number: nothing saved, the message next to the field, everything typed still there
    typed = fields(world["window"], app, indicators__energy_per_unit="九十五", declaration__statement="我们的声明原文")
    refused = qiye.post(edit_url, data={**typed, "action": "save", "csrf_token": token})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert 'data-path="indicators.energy_per_unit"' in html and "应为数字" in html
    assert 'value="九十五"' in html and "我们的声明原文" in html
    with app.app_context():
        filing = db.session.scalar(select(Filing).where(Filing.window_id == world["window"],
                                                        Filing.listed_unit_id == world["unit"]))
        assert "statement" not in filing.form_data.get("declaration", {})
    # submitted while incomplete: the draft is kept, each missing field says so
    partial = fields(world["window"], app, declaration__statement="", declaration__pledge=[])
    missing = qiye.post(edit_url, data={**partial, "action": "submit", "csrf_token": token})
    assert missing.status_code == 200 and "未提交" in text_of(missing)
    for path in ("declaration.statement", "declaration.pledge"):  # the 承诺 not ticked is missing too
        assert f'data-path="{path}"' in missing.get_data(as_text=True)
    assert "请勾选，提交前须勾选" in text_of(missing)
    # a bad number and an empty field at once: both named now, not the second on the next try
    mixed = qiye.post(edit_url, data={**fields(world["window"], app, indicators__energy_per_unit="九十五",
                                              declaration__statement=""), "action": "submit", "csrf_token": token})
    for path in ("indicators.energy_per_unit", "declaration.statement"):
        assert f'data-path="{path}"' in mixed.get_data(as_text=True), path
    with app.app_context():
        filing = db.session.get(Filing, filing.id)
        assert filing.status == FilingStatus.DRAFT and filing.form_data["indicators"]["energy_per_unit"]
    done = qiye.post(edit_url, data={**fields(world["window"], app, indicators__energy_per_unit="100"),
                                     "action": "submit", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/filings/{filing.id}")
    shown = text_of(qiye.get(f"/filings/{filing.id}"))
    assert "已提交" in shown and "单位产品综合能耗" in shown
    again = qiye.get(edit_url)
    assert again.status_code == 302  # submitted: read-only from now on
    assert world["window_title"] in text_of(qiye.get("/filings/")).split("已提交的动态管理表")[1]
    with app.app_context():
        assert db.session.scalar(select(ListingEvent.action).where(
            ListingEvent.listed_unit_id == world["unit"]).order_by(ListingEvent.id.desc()).limit(1)) == "filed"


def test_the_province_sees_who_filed_who_is_late_and_nothing_of_another_province(client_as, world):
    hebei = client_as("hebeisheng")
    index = hebei.get("/filing-review/")
    assert index.status_code == 200 and world["window_title"] in text_of(index)
    late = text_of(hebei.get(f"/filing-review/window/{world['past']}?show=late"))
    assert "逾期未提交" in late and world["unit_name"] in late
    page = text_of(hebei.get(f"/filing-review/window/{world['window']}"))
    assert "深圳市动态管理测试有限公司" not in page
    assert hebei.get(f"/filings/{world['other_filing']}").status_code == 404
    ministry = text_of(client_as("gongxinbu").get(f"/filing-review/window/{world['window']}"))
    assert "深圳市动态管理测试有限公司" in ministry and "已提交" in ministry
    assert client_as("gongxinbu").get(f"/filings/{world['other_filing']}").status_code == 200


def test_another_organizations_filing_and_unit_are_not_found(app, client_as, world):
    for username in ("qiye", "yangqi", "changan", "jituan"):
        client = client_as(username)
        assert client.get(f"/filings/{world['other_filing']}").status_code in (403, 404), username
        assert client.get(f"/filings/{world['other_filing']}/edit").status_code in (403, 404), username
    yangqi = client_as("yangqi")  # 宝武: not 绿源
    token = csrf_token(yangqi.get("/profile/password/").get_data(as_text=True))
    assert yangqi.post(f"/filings/start/{world['window']}/{world['late_unit']}",
                       data={"csrf_token": token}).status_code == 404
    gongxinbu = client_as("gongxinbu")  # sees every filing, fills in none
    assert gongxinbu.get(f"/filings/{world['other_filing']}/edit").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Filing.id).where(Filing.listed_unit_id == world["late_unit"],
                                                         Filing.window_id == world["window"])) is None


@pytest.mark.parametrize("username, reaches", [
    ("qiye", {"/filings/": 200, "/filing-review/": 403, "/messages/": 200}),
    ("yuanqu", {"/filings/": 200, "/filing-review/": 403, "/messages/": 200}),
    ("sanfang", {"/filings/": 403, "/filing-review/": 403, "/messages/": 200}),
    ("changan", {"/filings/": 403, "/filing-review/": 200, "/messages/": 200}),
    ("hebeisheng", {"/filings/": 403, "/filing-review/": 200, "/messages/": 200}),
    ("gongxinbu", {"/filings/": 403, "/filing-review/": 200, "/messages/": 200}),
    ("admin", {"/filings/": 403, "/filing-review/": 403, "/messages/": 200, "/console/filing_windows/": 200}),
])
def test_who_reaches_which_filing_page(client_as, username, reaches):
    client = client_as(username)
    for url, status in reaches.items():
        assert client.get(url).status_code == status, (username, url)
    if username != "admin":
        assert client.get("/console/filing_windows/").status_code == 403


def test_a_visitor_is_sent_to_sign_in(app):
    for url in ("/filings/", "/filing-review/", "/messages/"):
        response = app.test_client().get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_message_centre_counts_and_marks_read(app, client_as, world):
    with app.app_context():
        mine = messages.post(db.session, organization_id=world["lvyuan"], subject="测试消息：请核对指标",
                             body="正文", link="/filings/", now=f.NOW)
        theirs = messages.post(db.session, user_id=f.actor_of("hebeisheng").user_id, subject="省厅消息", body="x",
                               now=f.NOW)
        db.session.commit()
        mine_id, theirs_id = mine.id, theirs.id
        count = messages.unread_count(db.session, f.actor_of("qiye"))
    qiye = client_as("qiye")
    page = qiye.get("/messages/")
    html = page.get_data(as_text=True)
    assert "测试消息：请核对指标" in html and "省厅消息" not in html
    assert f'<span class="badge unread-count">{count}</span>' in html
    token = csrf_token(html)
    assert qiye.post(f"/messages/{theirs_id}/read", data={"csrf_token": token}).status_code == 404
    went = qiye.post(f"/messages/{mine_id}/read", data={"csrf_token": token, "go": "1"})
    assert went.status_code == 302 and went.headers["Location"].endswith("/filings/")
    with app.app_context():
        assert messages.unread_count(db.session, f.actor_of("qiye")) == count - 1
        assert db.session.get(Message, theirs_id) is not None
    qiye.post("/messages/read-all", data={"csrf_token": token})
    assert "unread-count" not in qiye.get("/messages/").get_data(as_text=True)


def test_it_staff_open_and_close_filing_windows_in_the_console(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        green_factory = db.session.scalar(select(f.DeclarationType.id).where(f.DeclarationType.code == "green_factory"))
    page = admin.get("/console/filing_windows/new/").get_data(as_text=True)
    assert "动态管理表版本" in page
    token = csrf_token(page)
    form = {"declaration_type": str(green_factory), "year": "2091", "period": "annual", "opens_on": "2092-01-01",
            "due_on": "", "form_definition": "__None", "csrf_token": token}
    created = admin.post("/console/filing_windows/new/", data=form)
    assert created.status_code == 302, text_of(created)[-1500:]
    twice = admin.post("/console/filing_windows/new/", data=form)
    assert twice.status_code == 200 and "不能重复" in text_of(twice)
    backwards = admin.post("/console/filing_windows/new/", data={**form, "year": "2090", "due_on": "2091-01-01"})
    assert "开始填报日期不能晚于截止日期" in text_of(backwards)
    for year in ("99999", "1800"):  # said beside the field in Chinese, never Python's "year … is out of range"
        far = text_of(admin.post("/console/filing_windows/new/", data={**form, "year": year}))
        assert "年度应在 2000 至 2100 之间" in far and "out of range" not in far
    with app.app_context():
        window = db.session.scalar(select(FilingWindow).where(FilingWindow.year == 2091))
        assert window.due_on == datetime.date(2092, 1, 15) and window.form_definition.purpose == "filing"
        pk = window.id
    listing = admin.get("/console/filing_windows/").get_data(as_text=True)
    closed = admin.post("/console/filing_windows/action/", data={
        "action": "close_year", "rowid": str(pk), "csrf_token": csrf_token(listing)})
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.get(FilingWindow, pk).closed
    audit = text_of(admin.get("/console/audit/"))
    assert "关闭" in audit
    edit = admin.post(f"/console/filing_windows/edit/?id={pk}", data={**form, "opens_on": "2091-12-20"})
    assert "已关闭的填报窗口不能修改" in text_of(edit)


def test_the_reminder_command_reminds_once(app, world):
    """A window of its own, past its due date, so that other tests' reminders (in any order) leave it some."""
    with app.app_context():
        today = f.NOW.date()
        window(opens_on=today - datetime.timedelta(days=40), due_on=today - datetime.timedelta(days=2))
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["filing", "remind", "--days", "30"])
    assert first.exit_code == 0, first.output
    numbers = [int(n) for n in re.findall(r"(\d+) 条", first.output)]
    assert numbers[1] >= 2  # 绿源's unfiled units at least, overdue in the new window
    again = runner.invoke(args=["filing", "remind", "--days", "30"])
    assert again.output.strip() == "已发送截止前提醒 0 条，逾期提醒 0 条"


def test_a_window_page_past_the_last_or_not_a_number_is_the_nearest_page(client_as, world):
    hebei = client_as("hebeisheng")
    for query in ("page=99999", "page=abc", "page=-3", "show=nonsense"):
        response = hebei.get(f"/filing-review/window/{world['past']}?{query}")
        assert response.status_code == 200 and world["unit_name"] in text_of(response), query
    assert hebei.get("/filing-review/window/999999").status_code == 404


def test_a_late_draft_says_it_is_late(client_as, world):
    qiye = client_as("qiye")
    token = csrf_token(qiye.get("/filings/").get_data(as_text=True))
    started = qiye.post(f"/filings/start/{world['past']}/{world['late_unit']}", data={"csrf_token": token})
    page = text_of(qiye.get(started.headers["Location"]))
    assert "截止日期" in page and "已逾期" in page


def test_the_console_due_date_is_optional_and_its_default_named_when_before_the_opening(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        green_factory = db.session.scalar(select(f.DeclarationType.id).where(f.DeclarationType.code == "green_factory"))
    page = admin.get("/console/filing_windows/new/").get_data(as_text=True)
    due_input = re.search(r"<input[^>]*\bname=\"due_on\"[^>]*>", page).group(0)
    assert " required" not in due_input  # blank means the notices' date
    token = csrf_token(page)
    form = {"declaration_type": str(green_factory), "year": "2087", "period": "annual", "opens_on": "2088-11-01",
            "due_on": "", "form_definition": "__None", "csrf_token": token}
    refused = text_of(admin.post("/console/filing_windows/new/", data=form))
    assert "按通知默认的截止日期 2088-01-15 早于开始填报日期 2088-11-01，请填写截止日期" in refused
    assert "开始填报日期不能晚于截止日期" not in refused
    created = admin.post("/console/filing_windows/new/", data={**form, "due_on": "2088-12-15"})
    assert created.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(FilingWindow.due_on).where(FilingWindow.year == 2087)) \
            == datetime.date(2088, 12, 15)


def test_the_late_list_links_each_unit_and_filing_and_the_window_is_past_its_due_date(client_as, world):
    hebei = client_as("hebeisheng")
    html = hebei.get(f"/filing-review/window/{world['past']}?show=late").get_data(as_text=True)
    assert f'href="/listed-units/{world["late_unit"]}"' in html and f'href="/listed-units/{world["unit"]}"' in html
    assert "已截止" in text_of(hebei.get(f"/filing-review/window/{world['past']}"))
    assert "已截止" in text_of(hebei.get("/filing-review/"))
    unit_page = hebei.get(f"/listed-units/{world['late_unit']}")
    assert unit_page.status_code == 200 and "发起复核" in text_of(unit_page)
    ministry = client_as("gongxinbu").get(f"/filing-review/window/{world['window']}").get_data(as_text=True)
    assert f'href="/filings/{world["other_filing"]}"' in ministry
    assert f'href="/listed-units/{world["other"]}"' in ministry


def test_each_reader_reads_a_reminder_in_their_own_language(app, client_as, world):
    """A reminder is kept as the platform said it (message ids and values), so the same message reads in Chinese
    to one person and in English to another; a message somebody typed stays as typed."""
    with app.app_context():
        filings.remind(db.session, f.NOW, days_before=30)
        db.session.commit()
        reminder = db.session.scalars(select(Message).where(Message.organization_id == world["lvyuan"],
                                                            Message.subject.startswith("【逾期提醒】"))).first()
        assert reminder is not None and reminder.texts["subject"]["id"].startswith("【逾期提醒】")
        typed = messages.post(db.session, organization_id=world["lvyuan"], subject="请核对第三季度指标", body="见附件",
                              now=f.NOW)
        db.session.commit()
        subject, past_title, typed_id = reminder.subject, world["past_title"], typed.id
    qiye = client_as("qiye")
    chinese = text_of(qiye.get("/messages/"))
    assert subject in chinese and "请核对第三季度指标" in chinese
    qiye.get("/lang/en")
    english = text_of(qiye.get("/messages/"))
    qiye.get("/lang/zh_CN")
    assert f"[Overdue] {past_title} is past its due date (National list" in english
    assert "has not submitted it" in english and "【逾期提醒】" not in english
    assert "请核对第三季度指标" in english  # typed by a person: as typed
    with app.app_context():
        assert db.session.get(Message, typed_id).texts is None


def test_a_reported_serious_accident_needs_the_provinces_attention(app, client_as, world):
    """The 动态管理表 marks 发生较大及以上事故 = 是 as needing attention (`attention` in its definition): the province's
    window counts it, lists it under 需关注 with the answer, and leaves the others out of that list."""
    with app.app_context():
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        own = window()
        careful, accident = listed(lvyuan), listed(lvyuan)
        filed(own, careful)
        filed(own, accident, declaration__accidents="是")
        db.session.commit()
        window_id, accident_id, careful_id = own.id, accident.id, careful.id
    hebei = client_as("hebeisheng")
    page = hebei.get(f"/filing-review/window/{window_id}").get_data(as_text=True)
    assert "需关注 1 家" in text_of(page)
    flagged = hebei.get(f"/filing-review/window/{window_id}?show=attention").get_data(as_text=True)
    assert f"/listed-units/{accident_id}\"" in flagged and f"/listed-units/{careful_id}\"" not in flagged
    assert "报告期内是否发生较大及以上安全、环保、质量事故：是" in text_of(flagged)
    summary = text_of(hebei.get("/filing-review/"))
    assert "需关注" in summary
