"""复核 and 撤销 in Chromium, as the people who do it: the province starts a 复核 from 名单管理 / 动态复核 and proposes
撤销; the ministry decides it from 撤销审定; the listed organization sees 已撤销 with the reason on its home page and in
its message centre, and the public 绿色制造名单 shows it to anyone."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import menu, sign_in

pytestmark = pytest.mark.browser

REASON = "连续两年未按期填报动态管理表，且存在环保行政处罚"
DECISION = "经复核，不再符合绿色工厂评价要求，撤销其名单资格"


def test_province_proposes_ministry_revokes_unit_sees_it(app, live_server, page):
    with app.app_context():
        chain = (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))
        unit = f.listed_unit(f.organization("石家庄绿源机械制造有限公司"), chain)
        db.session.commit()
        unit_id = unit.id

    sign_in(page, live_server, "hebeisheng")
    menu(page, "名单管理", "动态复核")
    page.wait_for_url("**/listed-units/**")
    page.fill("#f-name", "绿源")
    page.get_by_role("button", name="查询").click()
    row = page.locator("tr", has=page.locator(f"a[href='/listed-units/{unit_id}']")).first
    row.locator("input[name=opinion]").fill("抽查发现年度动态管理表未按期填报")
    row.get_by_role("button", name="发起复核").click()
    expect(page.get_by_text("已办理：发起复核")).to_be_visible()
    expect(page.locator("td.listing-status")).to_have_text("复核中")
    page.get_by_label("请填写建议撤销的原因").fill(REASON)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="建议撤销").click()
    expect(page.get_by_text("已办理：建议撤销")).to_be_visible()
    expect(page.locator("td.recheck-stage")).to_contain_text("已建议撤销，待工信部审定")
    screenshot(page, "60-recheck-proposed")

    sign_in(page, live_server, "gongxinbu")
    menu(page, "名单管理", "撤销审定")
    queue_row = page.locator("tr", has_text=REASON)
    expect(queue_row).to_be_visible()
    queue_row.get_by_role("link", name="审定").click()
    page.get_by_label("请填写撤销原因（将在名单中公布）").fill(DECISION)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤销", exact=True).click()
    expect(page.get_by_text("已办理：撤销")).to_be_visible()
    expect(page.locator("td.listing-status")).to_have_text("已撤销")

    sign_in(page, live_server, "qiye")
    listing = page.locator("section.my-listings")
    expect(listing).to_contain_text("已撤销")
    expect(listing).to_contain_text(DECISION)
    listing.locator(f"a[href='/listed-units/{unit_id}']").click()
    expect(page.locator("td.revoke-reason")).to_have_text(DECISION)
    expect(page.locator("td.event-action")).to_have_text(["列入名单", "发起复核", "建议撤销", "撤销"])
    assert page.locator("form.recheck-form").count() == 0
    screenshot(page, "61-unit-sees-revocation")
    page.locator("a.message-centre-link").click()  # each step also reached its message centre
    expect(page.locator("li.message", has_text="撤销").filter(has_text="石家庄绿源").first).to_be_visible()

    # and anyone, signed out, reads it on the public 绿色制造名单
    page.context.clear_cookies()
    page.goto(f"{live_server}/minglu/?name=绿源")
    revoked = page.locator("table.public-list-rows tr", has_text=DECISION)
    expect(revoked.locator("td.listing-status")).to_contain_text("已撤销")
    screenshot(page, "62-public-list-shows-revocation")


def test_the_listing_pages_pass_axe(app, live_server, browser):
    """动态复核 with rows and buttons, the unit page with a 复核 in progress and a 企业绿码, 撤销审定 with a
    proposal and the organization's home page: no blocking axe violation (the generic walk sees them empty)."""
    from app.domain import green_code, recheck
    from tests.browser.test_accessibility import AXE, BLOCKING, audit

    with app.app_context():
        chain = (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))
        unit = f.listed_unit(f.organization("石家庄绿源机械制造有限公司"), chain)
        green_code.recompute(db.session, year=2989, declaration_type_id=unit.declaration_type_id, now=f.NOW, entries=[
            {"listed_unit_id": unit.id, "industry_id": None, "score": 90, "indicators": [
                {"key": "energy", "label": "单位产品综合能耗", "value": 0.8, "score": 9, "max": 10}]}])
        for name in ("recheck", "propose_revoke"):
            recheck.apply(db.session, unit.id, name, f.actor_of("hebeisheng"), now=f.NOW, opinion="意见")
        db.session.commit()
        unit_id = unit.id
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    problems = []
    try:
        for username, paths in (("hebeisheng", ["/listed-units/", f"/listed-units/{unit_id}"]),
                                ("gongxinbu", ["/listed-units/proposals", f"/listed-units/{unit_id}"]),
                                ("qiye", ["/", f"/listed-units/{unit_id}"])):
            sign_in(page, live_server, username)
            for path in paths:
                page.goto(f"{live_server}{path}")
                problems += [f"{username} {path}: {v['id']} {v['targets'][:3]}" for v in audit(page)
                             if v["impact"] in BLOCKING]
    finally:
        context.close()
    assert not problems, "\n".join(problems)
