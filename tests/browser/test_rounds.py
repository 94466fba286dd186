"""What changed between rounds, walked in Chromium: after 退回修改 and after 取消上报 the applicant edits in the
page and submits again, and the county reviewer sees the changed field beside the reason it came back."""
import uuid

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import save_form, sign_in

pytestmark = pytest.mark.browser
TECH = "/declarations/energy_saving_tech"


@pytest.fixture
def draft(app):
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech", f.new_batch(f"轮次{uuid.uuid4().hex[:6]}"),
                                **{"technology.tech_name": "初版余热回收技术"})
        db.session.commit()
        return declaration.id


def _edit_name_and_submit(page, base, pk, name):
    page.goto(f"{base}{TECH}/content/{pk}")
    page.get_by_role("link", name="表2 技术信息").click()
    page.fill("[name='f|technology|tech_name']", name)
    save_form(page)
    page.goto(f"{base}{TECH}/show/{pk}")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("td.status")).to_have_text("上级主管部门审核中")


def test_the_county_sees_what_changed_after_a_return_and_after_a_withdrawal(live_server, browser, draft):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    base, pk = live_server, draft
    try:
        sign_in(page, base, "qiye")
        page.goto(f"{base}{TECH}/show/{pk}")
        page.get_by_role("button", name="上报", exact=True).click()

        sign_in(page, base, "changan")
        page.goto(f"{base}/review/declarations/show/{pk}")
        page.fill("#decision-opinion", "技术名称请写明适用工序")
        page.get_by_role("button", name="退回修改").click()
        expect(page.get_by_text("已完成：退回修改")).to_be_visible()

        sign_in(page, base, "qiye")
        page.goto(f"{base}{TECH}/show/{pk}")
        expect(page.locator(".sent-back")).to_contain_text("技术名称请写明适用工序")  # the banner
        _edit_name_and_submit(page, base, pk, "烧结工序余热回收技术")

        sign_in(page, base, "changan")
        page.goto(f"{base}/review/declarations/show/{pk}")
        changes = page.locator(".round-changes")
        expect(changes).to_contain_text("第 2 次上报与第 1 次上报相比")
        expect(changes).to_contain_text("技术名称请写明适用工序")
        row = changes.locator("tr", has_text="技术名称")
        expect(row.locator("td.before")).to_have_text("初版余热回收技术")
        expect(row.locator("td.after")).to_have_text("烧结工序余热回收技术")
        screenshot(page, "rounds-after-return")

        sign_in(page, base, "qiye")
        page.goto(f"{base}{TECH}/show/{pk}")
        page.get_by_role("button", name="取消上报").click()
        expect(page.locator("td.status")).to_have_text("草稿")
        _edit_name_and_submit(page, base, pk, "烧结工序余热梯级回收技术")

        sign_in(page, base, "changan")  # 长安区 decided round 1; round 2 was withdrawn before anyone decided it
        page.goto(f"{base}/review/declarations/show/{pk}")
        changes = page.locator(".round-changes")
        expect(changes).to_contain_text("第 3 次上报与第 1 次上报相比")
        row = changes.locator("tr", has_text="技术名称")
        expect(row.locator("td.after")).to_have_text("烧结工序余热梯级回收技术")
        page.get_by_role("link", name="查看申报书").click()
        expect(page.locator("tr.changed", has_text="技术名称")).to_contain_text("本轮已修改")
        screenshot(page, "rounds-dossier-marked")
        sign_in(page, base, "shijiazhuang")  # the city decided none: it compares with the round before
        page.goto(f"{base}/review/declarations/show/{pk}")
        expect(page.locator(".round-changes")).to_contain_text("第 3 次上报与第 2 次上报相比")
        expect(page.locator(".round-changes")).to_contain_text("取消上报")
    finally:
        context.close()
