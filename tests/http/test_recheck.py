"""名单管理 / 动态复核 through the test client: the province, the ministry and the listed organization; another
province's unit is 404 for the page and every action; 企业绿码 shown to the unit and its reviewers; the shares in
the console."""
import json

import pytest
from sqlalchemy import func, select

from app.domain import green_code
from app.domain import recheck as rc
from app.extensions import db
from app.models import GreenCode, GreenCodeShare, ListedUnit, ListingEvent
from tests import factories as f
from tests.conftest import csrf_token

HEBEI = ("130102", "130100", "130000")


@pytest.fixture(scope="module")
def units(app):
    with app.app_context():
        chain = (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))
        own = f.listed_unit(f.organization("石家庄绿源机械制造有限公司"), chain)
        other = f.listed_unit(f.make_organization("长安区动态复核测试有限公司", "130102", "RC000001"), chain)
        shenzhen = f.listed_unit(f.make_organization("深圳市动态复核测试有限公司", "440304", "RC000002"),
                                 (f.authority("county", "440304"), None, f.authority("province", "440300")))
        green_code.recompute(db.session, year=2990, declaration_type_id=own.declaration_type_id, now=f.NOW, entries=[
            {"listed_unit_id": own.id, "industry_id": None, "score": 92, "indicators": [
                {"key": "energy", "label": "单位产品综合能耗", "value": 0.82, "score": 10, "max": 10}]},
            {"listed_unit_id": other.id, "industry_id": None, "score": 70, "indicators": [
                {"key": "energy", "label": "单位产品综合能耗", "value": 1.3, "score": 4, "max": 10}]}])
        db.session.commit()
        return {"own": own.id, "other": other.id, "shenzhen": shenzhen.id}


def post(client, url, data, page_url=None):
    token = csrf_token(client.get(page_url or "/profile/password/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def version(app, unit_id):
    with app.app_context():
        return db.session.get(ListedUnit, unit_id).version


def test_province_list_filters_and_row_buttons(client_as, units):
    hebei = client_as("hebeisheng")
    page = hebei.get("/listed-units/").get_data(as_text=True)
    assert "长安区动态复核测试有限公司" in page and "深圳市动态复核测试有限公司" not in page
    assert f'/listed-units/{units["other"]}/recheck' in page  # the row's 发起复核 button
    named = hebei.get("/listed-units/?name=动态复核测试&status=valid&tier=national").get_data(as_text=True)
    assert "长安区动态复核测试有限公司" in named and "石家庄绿源" not in named
    assert "长安区动态复核测试有限公司" not in hebei.get("/listed-units/?status=revoked").get_data(as_text=True)
    assert "长安区动态复核测试有限公司" not in hebei.get("/listed-units/?year=1999").get_data(as_text=True)
    for odd in ("?year=abc", "?year=99999999999", "?type=x", "?tier=moon", "?page=-4", "?name=" + "名" * 500):
        assert hebei.get(f"/listed-units/{odd}").status_code == 200
    # a city sees the units of its chain, without buttons
    city = client_as("shijiazhuang").get("/listed-units/").get_data(as_text=True)
    assert "长安区动态复核测试有限公司" in city and "/recheck" not in city
    assert "深圳市动态复核测试有限公司" in client_as("gongxinbu").get("/listed-units/").get_data(as_text=True)


def test_the_ministry_searches_by_province_as_the_public_list_does(app, client_as, units):
    """动态复核 and the public 绿色制造名单 search alike (listing.Search): the ministry also by province, which a
    province, seeing only its own, is not offered."""
    with app.app_context():
        hebei_id, shenzhen_province = (db.session.get(ListedUnit, units[n]).province_id for n in ("other", "shenzhen"))
    ministry = client_as("gongxinbu")
    page = ministry.get(f"/listed-units/?province={hebei_id}").get_data(as_text=True)
    assert 'id="f-province"' in page and f'<option value="{hebei_id}" selected' in page
    assert "长安区动态复核测试有限公司" in page and "深圳市动态复核测试有限公司" not in page
    page = ministry.get(f"/listed-units/?province={shenzhen_province}&name=动态复核").get_data(as_text=True)
    assert "深圳市动态复核测试有限公司" in page and "长安区动态复核测试有限公司" not in page
    assert 'id="f-province"' not in client_as("hebeisheng").get("/listed-units/").get_data(as_text=True)


def test_the_journey_province_proposes_ministry_revokes_unit_sees_it(app, client_as, units):
    unit_id = units["own"]
    hebei, ministry, qiye = client_as("hebeisheng"), client_as("gongxinbu"), client_as("qiye")
    started = post(hebei, f"/listed-units/{unit_id}/recheck",
                   {"opinion": "年度动态管理表未按期填报", "version": version(app, unit_id)}, "/listed-units/")
    assert started.status_code == 302
    page = hebei.get(f"/listed-units/{unit_id}").get_data(as_text=True)
    assert "复核中" in page and "建议撤销" in page and "复核维持" in page
    # refused: a stale page; what was typed stays in the box
    typed = "连续两年未填报，且存在环保处罚记录"
    refused = post(hebei, f"/listed-units/{unit_id}/propose_revoke", {"opinion": typed, "version": "1"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "刚刚已被他人处理" in body and f">{typed}</textarea>" in body
    empty = post(hebei, f"/listed-units/{unit_id}/propose_revoke", {"opinion": " ", "version": version(app, unit_id)})
    assert "请填写建议撤销的原因" in empty.get_data(as_text=True)
    assert post(hebei, f"/listed-units/{unit_id}/propose_revoke",
                {"opinion": typed, "version": version(app, unit_id)}).status_code == 302
    # the ministry's queue
    queue = ministry.get("/listed-units/proposals").get_data(as_text=True)
    assert "石家庄绿源机械制造有限公司" in queue and typed in queue
    assert hebei.get("/listed-units/proposals").status_code == 403
    shown = ministry.get(f"/listed-units/{unit_id}").get_data(as_text=True)
    assert "不予撤销" in shown and f"/listed-units/{unit_id}/revoke" in shown
    assert post(ministry, f"/listed-units/{unit_id}/revoke",
                {"opinion": "经复核不再符合绿色工厂评价要求", "version": version(app, unit_id)}).status_code == 302
    # the organization: its home page and its unit page, read-only
    home = qiye.get("/").get_data(as_text=True)
    assert "本单位的绿色制造名单" in home and "已撤销" in home and "经复核不再符合绿色工厂评价要求" in home
    mine = qiye.get(f"/listed-units/{unit_id}").get_data(as_text=True)
    assert "已撤销" in mine and "经复核不再符合绿色工厂评价要求" in mine and "<form method=\"post\"" not in mine
    for action in ("发起复核", "建议撤销", "撤销", "列入名单"):
        assert action in mine  # every step of the history
    assert "hebeisheng" in mine and "河北省工业和信息化厅" in mine and typed in mine
    assert post(qiye, f"/listed-units/{unit_id}/recheck", {"opinion": "x"}).status_code == 403
    # a city may read but not act: the refusal says why and repeats what was typed
    city = post(client_as("shijiazhuang"), f"/listed-units/{units['other']}/recheck", {"opinion": "市级想发起复核"})
    body = city.get_data(as_text=True)
    assert "只有省级主管部门和工信部可以办理名单复核" in body and "<q>市级想发起复核</q>" in body
    assert qiye.get("/listed-units/").status_code == 403
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(ListingEvent).where(
            ListingEvent.listed_unit_id == unit_id).order_by(ListingEvent.id))] == [
            "listed", "recheck", "propose_revoke", "revoke"]


def test_green_code_is_explained_to_the_unit_and_its_reviewers(client_as, units):
    for username in ("hebeisheng", "gongxinbu", "shijiazhuang"):
        page = client_as(username).get(f"/listed-units/{units['other']}").get_data(as_text=True)
        assert "企业绿码" in page and "在同行业 2 家国家级绿色工厂中排第 2 名" in page, username
        assert "单位产品综合能耗" in page and "低于平均" in page
    home = client_as("qiye").get("/").get_data(as_text=True)
    assert "2990 年度 A，同行业 2 家中第 1 名" in home


@pytest.mark.parametrize("username", ["hebeisheng", "changan", "shijiazhuang", "jituan", "xiehui", "qiye", "yangqi"])
def test_another_provinces_unit_is_404_for_the_page_and_every_action(app, client_as, units, username):
    client = client_as(username)
    before = version(app, units["shenzhen"])
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(ListingEvent))
    assert client.get(f"/listed-units/{units['shenzhen']}").status_code == 404
    for name in [*rc.TRANSITIONS, "nonsense"]:
        status = post(client, f"/listed-units/{units['shenzhen']}/{name}", {"opinion": "越权", "version": before}
                      ).status_code
        assert status in (403, 404), (name, status)
    page = client.get("/listed-units/").get_data(as_text=True)
    assert "深圳市动态复核测试有限公司" not in page
    assert version(app, units["shenzhen"]) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListingEvent)) == events


def test_unknown_units_and_anonymous_visitors(app, client_as, units):
    ministry = client_as("gongxinbu")
    assert ministry.get("/listed-units/999999999").status_code == 404
    assert post(ministry, "/listed-units/999999999/recheck", {"opinion": "x"}).status_code == 404
    assert post(ministry, f"/listed-units/{units['other']}/nonsense", {"opinion": "x"}).status_code == 404
    visitor = app.test_client()
    assert "/login" in visitor.get(f"/listed-units/{units['other']}").headers.get("Location", "")
    assert client_as("sanfang").get(f"/listed-units/{units['other']}").status_code == 403


def test_menus(client_as):
    ministry = client_as("gongxinbu").get("/listed-units/").get_data(as_text=True)
    assert "动态复核" in ministry and "撤销审定" in ministry
    province = client_as("hebeisheng").get("/listed-units/").get_data(as_text=True)
    assert "动态复核" in province and 'href="/listed-units/proposals"' not in province


def test_shares_in_the_console_must_add_up_to_100(app, client_as):
    admin = client_as("admin")
    page = admin.get("/console/green_code_shares/new/").get_data(as_text=True)
    data = {"year": "2991", "a_plus": "10", "a": "30", "b": "50", "csrf_token": csrf_token(page)}
    refused = admin.post("/console/green_code_shares/new/", data=data)
    assert "之和须为 100%（现为 90%）" in refused.get_data(as_text=True)
    saved = admin.post("/console/green_code_shares/new/", data={**data, "b": "60"})
    assert saved.status_code == 302
    again = admin.post("/console/green_code_shares/new/", data={**data, "b": "60"})
    assert "已经存在" in again.get_data(as_text=True)  # the form's own check of the unique year
    default = admin.post("/console/green_code_shares/new/", data={**data, "year": "", "b": "60"})
    assert "已有默认比例，请修改该行" in default.get_data(as_text=True)
    with app.app_context():
        assert green_code.shares_for(db.session, 2991) == (10, 30, 60)
        db.session.execute(GreenCodeShare.__table__.delete().where(GreenCodeShare.year == 2991))
        db.session.commit()
    assert client_as("hebeisheng").get("/console/green_code_shares/").status_code == 403


def test_english(client_as, units):
    client = client_as("hebeisheng")
    client.get("/lang/en")
    page = client.get(f"/listed-units/{units['other']}").get_data(as_text=True)
    assert "Listing history" in page and "Green code" in page and "Start re-examination" in page
    assert "Re-examination" in client.get("/listed-units/").get_data(as_text=True)
    client.get("/lang/zh_CN")


def test_the_recompute_command(app, units, tmp_path):
    entries = tmp_path / "entries.json"
    entries.write_text(json.dumps([
        {"listed_unit_id": units["other"], "industry_id": None, "score": 88, "indicators": []},
        {"listed_unit_id": units["shenzhen"], "industry_id": None, "score": 77, "indicators": []}]), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["green-code", "recompute", "--year", "2992", "--entries", str(entries)])
    assert result.exit_code == 0, result.output
    assert "2992 年度企业绿码已计算：2 家（A+ 0，A 1，B 1）" in result.output
    with app.app_context():
        assert [(c.listed_unit_id, c.grade) for c in db.session.scalars(
            select(GreenCode).where(GreenCode.year == 2992).order_by(GreenCode.rank))] == [
            (units["other"], "A"), (units["shenzhen"], "B")]
    entries.write_text('{"not": "a list"}', encoding="utf-8")
    bad = runner.invoke(args=["green-code", "recompute", "--year", "2992", "--entries", str(entries)])
    assert bad.exit_code != 0 and "企业绿码数据" in bad.output
    entries.write_text(json.dumps([{"listed_unit_id": 10**9, "industry_id": None, "score": 1, "indicators": []}]))
    bad = runner.invoke(args=["green-code", "recompute", "--year", "2992", "--entries", str(entries)])
    assert bad.exit_code != 0 and "不是本类型的国家级名单单位" in bad.output
