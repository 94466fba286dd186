"""The login page, the demo accounts, and least-privilege menus per role."""
import re

import pytest

from tests.conftest import csrf_token, login

# What each demo account's navigation bar offers (menu categories), and nothing more.
MENUS = {
    "qiye": {"绿色制造体系", "技术目录"},
    "yangqi": {"绿色制造体系"},
    "yuanqu": {"绿色制造体系"},
    "feiqiye": {"绿色制造体系", "技术目录"},
    "sanfang": {"三方评价"},
    "xiehui": {"绿色制造体系", "审核管理"},
    "changan": {"审核管理"},
    "shijiazhuang": {"审核管理"},
    "hebeisheng": {"审核管理"},
    "jituan": {"审核管理"},
    "gongxinbu": {"审核管理"},
    "admin": {"用户权限", "基础数据"},
}
# 名单管理 (动态复核 of listed units) for every reviewer: the units of its chain, to act on or to read
for _reviewer in ("xiehui", "changan", "shijiazhuang", "hebeisheng", "jituan", "gongxinbu"):
    MENUS[_reviewer] = MENUS[_reviewer] | {"名单管理"}
ADMIN_ONLY = ["/users/list/", "/roles/list/", "/reference/regions/list/", "/reference/batches/list/"]


def menu_categories(html: str) -> set[str]:
    """The subsystem tabs on top (绿色制造体系, 技术目录 …, or a reviewer's 审核管理)."""
    tabs = re.search(r'<nav class="subsystem-tabs".*?</nav>', html, re.S)
    return {re.sub(r"<[^>]+>", "", name).strip()
            for name in re.findall(r"<a [^>]*>(.*?)</a>", tabs.group(0), re.S)} if tabs else set()


def tab_links(html: str) -> list[str]:
    tabs = re.search(r'<nav class="subsystem-tabs".*?</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', tabs.group(0)) if tabs else []


def side_menu(html: str) -> dict[str, str]:
    """The chosen tab's menu on the left: label → link."""
    return {re.sub(r"<[^>]+>", "", label).strip(): link
            for link, label in re.findall(r'<a class="side-link" href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)}


def menu_links(html: str, client=None) -> set[str]:
    """Every menu entry: the left menu of this page and, given a client, of every tab's page."""
    links = set(side_menu(html).values())
    for tab in tab_links(html) if client is not None else []:
        links |= set(side_menu(client.get(tab).get_data(as_text=True)).values())
    return links


def test_login_page_is_chinese_with_the_notice(app):
    html = app.test_client().get("/login/").get_data(as_text=True)
    assert "绿色制造通用线上申报平台" in html
    assert "申报流程说明" in html and "咨询电话" in html
    assert "用户登录名" in html and "密码" in html and "登录" in html
    assert '<link href="http' not in html and '<script src="http' not in html  # every asset served locally


def test_anonymous_users_are_sent_to_login(app):
    client = app.test_client()
    assert client.get("/").headers["Location"].endswith("/login/")
    response = client.get("/review/declarations/list/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_wrong_password_is_refused_in_chinese(app):
    client = app.test_client()
    response = login(client, "yuanqu", "not-the-password")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "用户登录名或密码错误" in html
    assert 'value="yuanqu"' in html  # what was typed stays
    assert login(client, "yuanqu").status_code == 302  # and a right password still works, resetting the count


def test_login_without_csrf_token_is_refused(app):
    client = app.test_client()
    response = client.post("/login/", data={"username": "qiye", "password": "Lvse@2026"})
    assert response.status_code in (302, 400)
    assert client.get("/").status_code == 302  # still anonymous


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_demo_account_sees_only_its_menus(username, client_as):
    client = client_as(username)
    html = client.get("/").get_data(as_text=True)
    assert menu_categories(html) == MENUS[username]
    for link in menu_links(html, client):  # no menu entry leads to a refusal or an empty placeholder
        assert client.get(link).status_code == 200, link
    if username != "admin":
        for url in ADMIN_ONLY:
            assert client.get(url).status_code == 403, url


def test_applicants_see_the_types_their_organization_may_declare(client_as):
    park = client_as("yuanqu")
    assert "/declarations/green_park/list/" in menu_links(park.get("/").get_data(as_text=True), park)
    assert "/declarations/green_factory/list/" not in menu_links(park.get("/").get_data(as_text=True), park)
    enterprise = client_as("qiye")
    assert "/declarations/green_factory/list/" in menu_links(enterprise.get("/").get_data(as_text=True), enterprise)
    assert "/declarations/green_park/list/" not in menu_links(enterprise.get("/").get_data(as_text=True), enterprise)


def test_the_menu_lists_only_the_types_ticked_at_registration(app, client_as):
    """qiye opened 绿色制造体系 and 技术目录; with 绿色工厂, 绿色设计产品, 绿色供应链 and 工业节能技术目录 ticked, an
    enterprise may declare 绿色设计示范企业 and 绿色数据中心 too, but they are not offered; ticking changes the menu."""
    from app.extensions import db
    from app.models import DeclarationType, Organization

    def tick(*codes):
        with app.app_context():
            organization = db.session.query(Organization).filter_by(name="石家庄绿源机械制造有限公司").one()
            before = [t.code for t in organization.declaration_types]
            organization.declaration_types = db.session.query(DeclarationType).filter(
                DeclarationType.code.in_(codes)).all()
            db.session.commit()
            return before

    client = client_as("qiye")
    ticked = tick("green_factory", "green_design_product", "green_supply_chain", "energy_saving_tech")
    try:
        home = client.get("/").get_data(as_text=True)
        assert menu_categories(home) == {"绿色制造体系", "技术目录"}  # 行业规范与准入管理 … not opened
        assert list(side_menu(home)) == ["绿色工厂", "绿色设计产品", "绿色供应链", "动态管理填报"]  # and its listed units' filings
        catalogue = client.get(tab_links(home)[1]).get_data(as_text=True)
        assert list(side_menu(catalogue)) == ["工业节能技术目录"]
        assert 'class="active"' in re.search(r'<nav class="subsystem-tabs".*?</nav>', catalogue, re.S).group(0)

        tick("green_factory", "green_design_product", "green_data_center")  # as 企业信息 would save it
        home = client.get("/").get_data(as_text=True)
        assert list(side_menu(home)) == ["绿色工厂", "绿色设计产品", "绿色数据中心", "动态管理填报"]
        assert menu_categories(home) == {"绿色制造体系"}  # nothing of 技术目录 ticked: no tab
    finally:
        tick(*ticked)


def test_a_subsystem_opened_without_ticked_types_has_no_tab(client_as):
    """xiehui opened 技术目录 but may declare none of it (it ticked 绿色标准): no empty 技术目录 tab."""
    html = client_as("xiehui").get("/").get_data(as_text=True)
    assert "技术目录" not in menu_categories(html)


def test_the_page_is_in_the_chosen_subsystem(client_as):
    """The tab holding the page is chosen and the page's entry is marked in the left menu."""
    html = client_as("qiye").get("/declarations/energy_saving_tech/list/").get_data(as_text=True)
    tabs = re.search(r'<nav class="subsystem-tabs".*?</nav>', html, re.S).group(0)
    assert re.search(r'<li class="active">\s*<a href="[^"]+" aria-current="true">\s*技术目录', tabs)
    assert re.search(r'<a class="side-link" href="/declarations/energy_saving_tech/list/" aria-current="page">', html)
    assert '<html lang="zh-CN">' in html


def test_home_names_whom_the_user_acts_for(client_as):
    assert "石家庄绿源机械制造有限公司" in client_as("qiye").get("/").get_data(as_text=True)
    assert "河北省工业和信息化厅" in client_as("hebeisheng").get("/").get_data(as_text=True)


def test_english_is_the_second_language(client_as):
    client = client_as("changan")
    client.get("/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert "Review" in html and "审核管理" not in html
    client.get("/lang/zh_CN")
    assert "审核管理" in client.get("/").get_data(as_text=True)


def test_page_size_is_capped(client_as):
    html = client_as("admin").get("/reference/regions/list/?psize_RegionReferenceView=100000").get_data(as_text=True)
    assert html.count('<tr') <= 101


def test_csrf_token_is_required_for_every_form_post(client_as):
    client = client_as("admin")
    token_page = client.get("/users/add").get_data(as_text=True)
    assert csrf_token(token_page)
    response = client.post("/users/add", data={"username": "nobody", "first_name": "x", "last_name": "y",
                                               "email": "x@y.cn", "password": "Aa1!aaaa", "conf_password": "Aa1!aaaa"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", [
    "/review/declarations/list/?_flt_0_unit_name=%00x",
    "/reference/regions/list/?_flt_0_name=a%00",
    "/users/list/?province=13%000000",
])
def test_nul_characters_are_refused_not_crashed(client_as, url):
    client = client_as("admin") if "/review/" not in url else client_as("gongxinbu")
    response = client.get(url)
    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)
