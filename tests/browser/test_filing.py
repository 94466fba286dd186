"""动态管理 in Chromium: the unit sees its reminder and the unread count, fills and submits its 动态管理表 from its
menu; the province sees it filed, and sees a late unit."""
import datetime

import pytest
from playwright.sync_api import expect

from app import clock
from app.domain import filing as filings
from app.extensions import db
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_in
from tests.filing_data import listed, window

pytestmark = pytest.mark.browser

INDICATORS = {"energy_per_unit": "96.5", "water_per_unit": "3.2", "carbon_per_unit": "0.8", "solid_waste_use": "88",
              "renewable_share": "12", "water_reuse": "91", "land_output": "5200"}


def test_the_unit_is_reminded_and_files_and_the_province_sees_it(app, live_server, page):
    today = clock.today()
    with app.app_context():
        unit = listed(f.organization("石家庄绿源机械制造有限公司"))
        late_unit = listed(f.organization("宝武绿色材料（河北）有限公司"))
        due_soon = window(opens_on=today - datetime.timedelta(days=20), due_on=today + datetime.timedelta(days=5))
        past = window(opens_on=today - datetime.timedelta(days=60), due_on=today - datetime.timedelta(days=2))
        filings.remind(db.session, clock.now())
        db.session.commit()
        due_title, past_title, unit_name, late_name = due_soon.title, past.title, unit.unit_name, late_unit.unit_name
        unit_year = unit.year

    sign_in(page, live_server, "qiye")
    badge = page.locator("a.message-centre-link .unread-count")
    expect(badge).to_be_visible()
    unread = int(badge.inner_text())
    assert unread >= 2  # the 截止前提醒 of one window and the 逾期提醒 of the other
    page.locator("a.message-centre-link").click()
    reminder = page.locator("li.message", has_text=f"【填报提醒】{due_title}").filter(has_text=f"国家级名单 {unit_year}年")
    expect(reminder).to_be_visible()
    screenshot(page, "40-filing-reminder")
    reminder.get_by_role("button", name="去处理").click()
    page.wait_for_url("**/filings/")
    expect(badge).to_have_text(str(unread - 1))

    page.get_by_role("link", name="绿色制造体系").click()
    page.get_by_role("link", name="动态管理填报", exact=True).click()
    row = page.locator("tr.filing-due", has_text=due_title).filter(has_text=unit_name).filter(has_text=f"{unit_year} · 国家级")
    row.get_by_role("button", name="开始填报").click()
    page.wait_for_url("**/edit")
    page.fill('[name="f|basic|main_products"]', "大型矿山机械")
    page.fill('[name="f|basic|output"]', "12500")
    page.fill('[name="f|basic|output_value"]', "86000")
    page.fill('[name="f|basic|contact_phone"]', "13803110101")
    page.fill('[name="f|indicators|energy_per_unit"]', "九十六")  # a slip: refused next to the field, kept
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator('[data-path="indicators.energy_per_unit"]')).to_contain_text("数字")
    expect(page.locator('[name="f|basic|main_products"]')).to_have_value("大型矿山机械")
    for key, value in INDICATORS.items():
        page.fill(f'[name="f|indicators|{key}"]', value)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("已保存草稿")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交").click()  # the 自我声明 is still empty
    expect(page.locator('[data-path="declaration.statement"]')).to_contain_text("必填")
    page.fill('[name="f|declaration|statement"]', "报告期内完成余热回收改造，光伏装机 5 兆瓦并网，未发生较大及以上安全、环保、质量事故。")
    page.select_option('[name="f|declaration|accidents"]', "否")
    page.check('[name="f|declaration|pledge"]')  # the 承诺 is a box to tick
    page.fill('[name="f|declaration|signer"]', "张建国")
    page.fill('[name="f|declaration|signed_on"]', today.isoformat())
    screenshot(page, "41-filing-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text(f"已提交{due_title}")).to_be_visible()
    expect(page.locator("td.filing-status")).to_contain_text("已提交")
    screenshot(page, "42-filing-submitted")

    sign_in(page, live_server, "hebeisheng")
    page.get_by_role("link", name="审核管理").click()
    page.get_by_role("link", name="动态管理", exact=True).click()
    page.get_by_role("link", name=due_title).click()
    filed_row = page.locator("tr.filing-row", has_text=unit_name).filter(has_text=f"{unit_year} · 国家级").first
    expect(filed_row.locator("td.filing-state")).to_have_text("已提交")
    filed_row.get_by_role("link", name="查看").click()
    expect(page.locator("tr.indicator-row", has_text="单位产品综合能耗")).to_contain_text("96.5")
    page.go_back()
    page.get_by_role("link", name="返回").click()
    page.get_by_role("link", name=past_title).click()
    page.get_by_role("link", name="逾期", exact=True).click()
    late_row = page.locator("tr.filing-row", has_text=late_name).first
    expect(late_row.locator("td.filing-state")).to_have_text("逾期未提交")
    expect(page.locator("h3 small")).to_contain_text("已截止")  # the window is past its due date, its units late
    screenshot(page, "43-province-late-units")
    late_row.get_by_role("link", name=late_name).click()  # the unit's page, where the province may 发起复核
    page.wait_for_url("**/listed-units/*")
    expect(page.get_by_text("发起复核").first).to_be_visible()
