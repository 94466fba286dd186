"""公示 in Chromium: the ministry starts the publicity of a batch it has decided; anyone reads it without login."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import menu, sign_in

pytestmark = pytest.mark.browser


def test_ministry_publicity_and_the_public_page(app, live_server, page):
    with app.app_context():
        batch = f.new_batch("浏览器公示批", "energy_saving_tech")
        declarations = f.in_package(batch, 2)
        f.recommend(declarations[0], "hebeisheng")
        for declaration in declarations:
            f.act(declaration, "approve", "gongxinbu")
        db.session.commit()
        batch_id, unit_name = batch.id, declarations[0].unit_name

    sign_in(page, live_server, "gongxinbu")
    menu(page, "审核管理", "公示与名单")
    page.wait_for_url("**/publications/**")
    screenshot(page, "20-publication-batches")
    page.goto(f"{live_server}/publications/batch/{batch_id}")
    page.fill("input[name=title]", "2026年度浏览器公示批绿色制造名单公示")
    page.fill("textarea[name=notice]", "公示期间如有异议，请以书面形式反馈至工业和信息化部节能与综合利用司。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="开始公示").click()
    expect(page.get_by_text("已开始公示")).to_be_visible()
    expect(page.locator("td.publication-stage")).to_have_text("公示中")
    screenshot(page, "21-publicity-started")

    page.goto(f"{live_server}/logout/")
    page.goto(f"{live_server}/gongshi/")
    page.get_by_role("link", name="2026年度浏览器公示批绿色制造名单公示").click()
    expect(page.locator("td.unit-name").first).to_have_text(unit_name)
    assert page.locator("td.unit-name").count() == 2
    screenshot(page, "22-public-publicity-page")
