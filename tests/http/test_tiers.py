"""Tiers through the pages: the public 绿色制造名单 (no login, search, export, nothing private), an organization's
own listings, 本级批次 and 国家级候选 by role and by province, and 新增填报 refused next to its button."""
import datetime
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app.domain import publication as pub, tiers
from app.extensions import db
from app.models import (Authority, Batch, BatchTier, BatchWindow, Declaration, DeclarationType, FormDefinition,
                        ListedUnit, PlatformUser)
from app.vocabulary import ListingStatus
from tests import factories as f
from tests.conftest import DEMO_PASSWORD
from tests.factories import NOW
from tests.helpers import post_form

TYPE = "energy_saving_tech"
PUBLIC = "/minglu/"


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def data(app):
    """河北省's own round with 绿源 listed at 省级, and a revoked 省级 unit of 深圳 (another province), and a
    reviewer of 深圳."""
    with app.app_context():
        declaration_type = db.session.scalar(select(DeclarationType).where(DeclarationType.code == TYPE))
        batch = tiers.open_batch(db.session, f.actor_of("hebeisheng"), tier="provincial", name="省级页面测试批",
                                 year=NOW.year, notice_no="", today=NOW.date(), windows=[tiers.WindowInput(
                                     declaration_type.id, NOW.date(), NOW.date() + datetime.timedelta(days=30))])
        declaration = f.act(f.drafted("qiye", TYPE, batch), "submit", "qiye")
        for username in ("changan", "shijiazhuang", "hebeisheng"):
            f.act(declaration, "approve", username)
        owner = f.actor_of("hebeisheng")
        publication = pub.start_publicity(db.session, batch, owner, NOW, title="省级公示", starts=NOW.date(),
                                          ends=NOW.date(), notice="")
        pub.publish(db.session, publication, owner, NOW + datetime.timedelta(days=1))
        nanshan = f.make_organization("深圳市名单测试有限公司", "440305", "MD000001")
        nanshan.legal_representative_phone = "13900009999"
        shenzhen = db.session.get(Authority, f.authority("county", "440305").parent_id)  # 计划单列市: a province
        assert shenzhen.kind == "province"
        other = f.declaration(nanshan, type_code=TYPE, chain=(f.authority("county", "440305"), None, shenzhen))
        db.session.add(ListedUnit(
            declaration_id=other.id, organization_id=nanshan.id, declaration_type_id=declaration_type.id,
            batch_id=batch.id, tier=BatchTier.PROVINCIAL, year=NOW.year - 1, unit_name=nanshan.name, title="余热回收",
            region_id=nanshan.region_id, province_id=db.session.get(type(nanshan.region), nanshan.region_id).province_id,
            listed_by_id=shenzhen.id, listed_on=NOW.date(), status=ListingStatus.REVOKED,
            status_changed_on=datetime.date(NOW.year, 1, 5), reason="能耗数据造假"))
        sm = app.appbuilder.sm
        sm.add_user(username="shenzhensheng", first_name="深圳审核", last_name="", email="szs@example.cn",
                    role=sm.find_role("主管部门审核员"), password=DEMO_PASSWORD)
        db.session.scalar(select(PlatformUser).where(PlatformUser.username == "shenzhensheng")).authority_id = shenzhen.id
        db.session.commit()
        return {"batch": batch.id, "declaration": declaration.id, "other": other.id, "type": declaration_type.id}


def test_public_list_needs_no_login_and_is_linked_from_login_and_navbar(app, data, client_as):
    anonymous = app.test_client()
    html = page(anonymous, PUBLIC)
    assert "石家庄绿源机械制造有限公司" in html and "深圳市名单测试有限公司" in html
    assert "已撤销" in html and "能耗数据造假" in html and f"{NOW.year}-01-05" in html
    assert 'href="/minglu/"' in page(anonymous, "/login/")
    assert 'href="/minglu/"' in page(client_as("qiye"), "/")
    # nothing not public: no contact data, no declaration ids
    assert "13900009999" not in html and "13803110001" not in html
    assert f"/show/{data['declaration']}" not in html and f"/show/{data['other']}" not in html


def test_public_list_search_and_pagination_use_constant_statements(app, data):
    anonymous = app.test_client()
    by_name = page(anonymous, PUBLIC + "?name=绿源")
    assert "石家庄绿源机械制造有限公司" in by_name and "深圳市名单测试有限公司" not in by_name
    by_title = page(anonymous, PUBLIC + "?name=余热")
    assert "深圳市名单测试有限公司" in by_title and "石家庄绿源" not in by_title
    with app.app_context():
        guangdong = db.session.execute(select(ListedUnit.province_id).where(ListedUnit.declaration_id == data["other"])).scalar()
    in_province = page(anonymous, PUBLIC + f"?province={guangdong}")
    assert "深圳市名单测试有限公司" in in_province and "石家庄绿源" not in in_province
    assert "石家庄绿源" in page(anonymous, PUBLIC + f"?year={NOW.year}&tier=provincial&type={data['type']}&status=valid")
    assert "没有符合条件" in page(anonymous, PUBLIC + "?tier=national&name=绿源")
    past_the_last = page(anonymous, PUBLIC + "?name=绿源&page=7")  # the last page, not an empty one under its count
    assert "石家庄绿源机械制造有限公司" in past_the_last and "没有符合条件" not in past_the_last
    for junk in ("?year=abc", "?tier=x", "?type=-1", "?province=9" * 3, "?page=abc", "?page=99999999999",
                 "?name=%25%5F", "?status=zz", "?name=" + "长" * 500):
        assert anonymous.get(PUBLIC + junk).status_code == 200, junk
    from sqlalchemy import event
    counted = []
    with app.app_context():
        engine = db.engine
    listener = lambda *a, **k: counted.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page(anonymous, PUBLIC + "?page=1")
        first = len(counted)
        with app.app_context():
            for n in range(30):
                db.session.add(ListedUnit(**{**_copy(data["declaration"]), "declaration_id": f.declaration(
                    f.organization("冀北绿色制造研究院"), type_code=TYPE, submitted=False).id}))
            db.session.commit()
        counted.clear()
        page(anonymous, PUBLIC)
        assert len(counted) == first
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _copy(declaration_id) -> dict:
    unit = db.session.scalar(select(ListedUnit).where(ListedUnit.declaration_id == declaration_id))
    return {c: getattr(unit, c) for c in ("organization_id", "declaration_type_id", "batch_id", "tier", "year",
                                          "unit_name", "title", "region_id", "province_id", "listed_by_id",
                                          "listed_on", "status")}


def test_public_export_is_the_current_search(app, data):
    response = app.test_client().get("/minglu/export?name=余热")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "单位名称", "产品/项目名称", "申报类型")
    assert [r[1] for r in rows[1:]] == ["深圳市名单测试有限公司"]
    assert rows[1][9:] == ("已撤销", f"{NOW.year}-01-05", "能耗数据造假")


def test_home_shows_the_organizations_own_listings(app, data, client_as):
    html = page(client_as("qiye"), "/")
    section = html[html.index("本单位的绿色制造名单"):]
    assert "省级" in section and "工业节能技术目录" in section and "省级页面测试批" in section and "有效" in section
    demo = page(client_as("feiqiye"), "/")  # the demo's 省级 round listed 冀北's standard
    assert "省级绿色制造第一批（演示）" in demo and "绿色标准" in demo[demo.index("本单位的绿色制造名单"):]
    assert "本单位的绿色制造名单" not in page(client_as("yuanqu"), "/")
    assert "本单位的绿色制造名单" not in page(client_as("hebeisheng"), "/")


ROUNDS_STATUS = {"hebeisheng": 200, "shijiazhuang": 404, "changan": 404, "jituan": 404, "gongxinbu": 404,
                 "xiehui": 404, "qiye": 403, "sanfang": 403, "admin": 403}


@pytest.mark.parametrize("username", sorted(ROUNDS_STATUS))
def test_rounds_and_candidates_by_role(app, data, client_as, username):
    client = client_as(username)
    assert client.get("/rounds/").status_code == ROUNDS_STATUS[username]
    assert client.get("/candidates/").status_code == ROUNDS_STATUS[username]
    home = page(client, "/")
    assert ('href="/rounds/"' in home) == (ROUNDS_STATUS[username] == 200)
    assert ('href="/candidates/"' in home) == (ROUNDS_STATUS[username] == 200)


def test_candidates_are_the_provinces_own(app, data, client_as):
    hebei = page(client_as("hebeisheng"), "/candidates/")
    assert "石家庄绿源机械制造有限公司" in hebei and "深圳市名单测试有限公司" not in hebei
    assert "未申报" in hebei or "暂无开放的国家级批次" in hebei
    shenzhen = page(client_as("shenzhensheng"), "/candidates/")
    assert "石家庄绿源机械制造有限公司" not in shenzhen  # another province's units: never shown
    assert "深圳市名单测试有限公司" not in shenzhen  # revoked: not a candidate


def test_the_round_form_offers_declaration_forms_by_basis_and_no_listing_requirement(app, data, client_as):
    form = page(client_as("hebeisheng"), "/rounds/").split('class="open-batch"')[1]
    assert "须持有效省级名单" not in form and 'name="requires_' not in form
    assert "2026.3（GB/T 36132-2025）" in form and "2026.2（GB/T 36132-2018）" in form
    assert "2025.1" not in form and "2025.2" not in form and "动态管理表" not in form  # no batch's form
    with app.app_context():
        filing = db.session.scalar(select(FormDefinition.id).where(FormDefinition.purpose == "filing"))
    assert filing is not None and f'value="{filing}"' not in form


def test_province_opens_a_batch_and_every_error_keeps_what_was_typed(app, data, client_as):
    client = client_as("hebeisheng")
    t = data["type"]
    refused = post_form(client, "/rounds/create", tier="provincial", year="20x6", name="保留名称", notice_no="冀1号",
                        **{f"open_{t}": "1", f"opens_{t}": "2026-05-01", f"closes_{t}": "2026-04-01"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "保留名称" in html and "冀1号" in html and "2026-05-01" in html
    assert "请填写年度" in html and "申报开始日期不能晚于截止日期" in html
    assert post_form(client, "/rounds/create", tier="national", year=str(NOW.year), name="x").status_code == 400
    done = post_form(client, "/rounds/create", tier="provincial", year=str(NOW.year), name="页面新建批",
                     **{f"open_{t}": "1", f"opens_{t}": NOW.date().isoformat(),
                        f"closes_{t}": (NOW.date() + datetime.timedelta(days=9)).isoformat(), f"requires_{t}": ""})
    assert done.status_code == 302
    listing = page(client, "/rounds/")
    assert "页面新建批" in listing
    with app.app_context():
        batch = db.session.scalar(select(Batch).where(Batch.name == "页面新建批"))
        assert batch.tier == BatchTier.PROVINCIAL and batch.owner_id == f.actor_of("hebeisheng").authority_id
    # the applicants of the province see it in 新增填报
    assert "页面新建批" in page(client_as("qiye"), f"/declarations/{TYPE}/list/")
    # the city tier is the province's until it lets its cities run it
    assert client_as("shijiazhuang").get("/rounds/").status_code == 404
    assert post_form(client, "/rounds/setting", cities_run_city_tier="1").status_code == 302
    try:
        city = client_as("shijiazhuang")
        assert "新建批次" in page(city, "/rounds/") and 'href="/publications/"' in page(city, "/")
        assert post_form(city, "/rounds/create", tier="provincial", year=str(NOW.year), name="越级").status_code == 400
    finally:
        post_form(client, "/rounds/setting", cities_run_city_tier="0")


def test_national_window_requiring_listing_refuses_next_to_the_button(app, data, client_as):
    with app.app_context():
        national = f.new_batch("要求省级名单的国家批", TYPE)
        db.session.scalar(select(BatchWindow).where(BatchWindow.batch_id == national.id)).requires_provincial_listing = True
        db.session.commit()
        national_id = national.id
    refused = page(client_as("feiqiye"), f"/declarations/{TYPE}/list/")
    match = re.search(r'class="text-danger create-refusal"[^>]*>([^<]*)<', refused)
    assert match and "要求省级名单的国家批" in match.group(1) and "省级绿色制造名单" in match.group(1)
    response = post_form(client_as("feiqiye"), f"/declarations/{TYPE}/create", batch_id=str(national_id))
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.scalar(select(func.count()).where(Declaration.batch_id == national_id))
    accepted = post_form(client_as("qiye"), f"/declarations/{TYPE}/create", batch_id=str(national_id))
    assert "/content/" in accepted.headers["Location"]
    candidates = page(client_as("hebeisheng"), "/candidates/")
    assert "要求省级名单的国家批" in candidates
    cells = re.findall(r'<td class="open-batches">(.*?)</td>', candidates, re.S)
    assert cells and all(re.search(r"\d{4}年度 |^无$", cell) for cell in cells), cells  # titles, never a bare count
