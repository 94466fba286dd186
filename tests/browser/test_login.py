"""A person opens the platform in Chromium, reads the login page, signs in and finds their menus."""
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_enterprise_logs_in_and_opens_green_factory(live_server, page):
    page.goto(f"{live_server}/")
    assert "/login/" in page.url
    assert page.get_by_text("申报流程说明").is_visible()
    assert page.get_by_text("咨询电话").is_visible()
    screenshot(page, "01-login")

    page.fill("#username", "qiye")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/")
    assert page.locator(".acting-for").first.inner_text() == "石家庄绿源机械制造有限公司"
    screenshot(page, "02-home-enterprise")

    page.get_by_role("link", name="绿色制造体系").click()
    page.get_by_role("link", name="绿色工厂").click()
    page.wait_for_url("**/declarations/green_factory/list/**")
    assert page.locator(".panel-title, .list-title, h1, h2, h3, h4").filter(has_text="绿色工厂").count() >= 1
    screenshot(page, "03-green-factory-list")


def test_reviewer_sees_review_menu_only(live_server, page):
    page.goto(f"{live_server}/login/")
    page.fill("#username", "hebeisheng")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_role("link", name="审核管理").is_visible()
    assert page.get_by_role("link", name="绿色制造体系").count() == 0
    page.get_by_role("link", name="审核管理").click()
    page.get_by_role("link", name="申报审核").click()
    page.wait_for_url("**/review/declarations/list/**")
    screenshot(page, "04-province-review-list")
