"""Tiers in Chromium: 河北省 opens its own 省级 batch, 绿源 declares in it, the province decides and publishes, the
public 绿色制造名单 shows the unit, and then a national batch that requires a valid 省级 listing accepts 绿源 and
refuses 冀北 with the reason next to the button."""
import datetime
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.domain import lifecycle
from app.extensions import db
from app.models import Attachment, Batch, BatchWindow, Declaration
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import menu, sign_in
from tests.form_values import complete

pytestmark = pytest.mark.browser
TYPE = "energy_saving_tech"
LIST = f"/declarations/{TYPE}/list/"


def test_province_round_to_the_public_list_and_a_national_window_that_requires_it(app, live_server, page):
    page.on("dialog", lambda dialog: dialog.accept())
    today = clock.today()

    # 河北省 opens its own 省级 batch from its menu
    sign_in(page, live_server, "hebeisheng")
    menu(page, "审核管理", "本级批次")
    page.wait_for_url("**/rounds/**")
    page.select_option("select[name=tier]", "provincial")
    page.fill("input[name=name]", "省级节能技术第一批")
    page.fill("input[name=notice_no]", "冀工信节〔2026〕8号")
    page.get_by_label("工业节能技术目录").check()
    form = page.locator("form.open-batch")
    expect(form).not_to_contain_text("须持有效省级名单")  # a national batch's requirement only
    expect(form.locator("option", has_text="2026.3（GB/T 36132-2025）")).to_have_count(1)
    for filing_form in ("2025.1", "2025.2"):  # the 动态管理表's versions are no batch's form
        expect(form.locator("option", has_text=filing_form)).to_have_count(0)
    screenshot(page, "60-province-opens-a-batch")
    page.get_by_role("button", name="创建批次").click()
    expect(page.get_by_text("已创建批次")).to_be_visible()
    expect(page.locator("table.round-rows")).to_contain_text("省级节能技术第一批")
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id).where(Batch.name == "省级节能技术第一批"))

    # 绿源 declares in it: 新增填报 from its menu, the form's content, 上报
    sign_in(page, live_server, "qiye")
    menu(page, "技术目录", "工业节能技术目录")
    page.select_option("select[name=batch_id]", str(batch_id))
    page.get_by_role("button", name="新增填报").click()
    page.wait_for_url("**/content/**")
    pk = int(page.url.rstrip("/").split("/")[-1])
    with app.app_context():  # the form itself is walked in test_lifecycle; here its content is set as saved
        declaration = db.session.get(Declaration, pk)
        evidence = Attachment(purpose="form_file", storage_key=f"tiers/{uuid.uuid4().hex}.pdf", original_name="证明.pdf",
                              content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=pk)
        db.session.add(evidence)
        db.session.flush()
        declaration.form_data = complete(lifecycle.definition_of(declaration), file_id=evidence.id)
        db.session.commit()
    page.goto(f"{live_server}/declarations/{TYPE}/show/{pk}")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("td.status")).to_have_text("上级主管部门审核中")

    # the chain decides, the province last: the batch ends there
    for username in ("changan", "shijiazhuang", "hebeisheng"):
        sign_in(page, live_server, username)
        page.goto(f"{live_server}/review/declarations/show/{pk}")
        page.fill("form[action$='/approve'] textarea[name=opinion]", f"{username} 同意")
        page.get_by_role("button", name="审核通过").click()
        expect(page.get_by_text("已完成：审核通过")).to_be_visible()

    # its own 公示 and 发布名单
    menu(page, "审核管理", "公示与名单")
    page.goto(f"{live_server}/publications/batch/{batch_id}")
    page.fill("input[name=ends]", today.isoformat())
    page.get_by_role("button", name="开始公示").click()
    expect(page.get_by_text("已开始公示")).to_be_visible()
    with clock.moved(datetime.timedelta(days=1)):
        page.reload()
        page.get_by_role("button", name="发布名单").click()
        expect(page.get_by_text("名单已发布")).to_be_visible()

    # anyone finds it on the public list, from the login page
    page.goto(f"{live_server}/logout/")
    page.goto(f"{live_server}/login/")
    page.locator("#main").get_by_role("link", name="绿色制造名单").click()  # the login page's own link
    page.select_option("select[name=tier]", "provincial")
    page.fill("input[name=name]", "绿源")
    page.get_by_role("button", name="查询").click()
    row = page.locator("table.public-list-rows tbody tr").first
    expect(row.locator("td.unit-name")).to_have_text("石家庄绿源机械制造有限公司")
    expect(row).to_contain_text("省级节能技术第一批")
    expect(row.locator("td.listing-status")).to_have_text("有效")
    screenshot(page, "61-public-list")

    # a national batch whose window requires a valid 省级 listing of the type
    with app.app_context():
        national = f.new_batch("要求省级名单批", TYPE)
        db.session.scalar(select(BatchWindow).where(BatchWindow.batch_id == national.id)).requires_provincial_listing = True
        db.session.commit()
        national_id = national.id
    sign_in(page, live_server, "feiqiye")
    menu(page, "技术目录", "工业节能技术目录")
    refusal = page.locator(f"#create-refusal-{national_id}")
    expect(refusal).to_contain_text("只接受已列入省级绿色制造名单")
    expect(refusal).to_contain_text("不能新增填报")
    screenshot(page, "62-national-window-refuses")
    page.select_option("select[name=batch_id]", str(national_id))
    page.get_by_role("button", name="新增填报").click()
    expect(page.locator(".alert").filter(has_text="省级绿色制造名单")).to_be_visible()  # refused again, said why
    assert "/content/" not in page.url

    sign_in(page, live_server, "qiye")
    menu(page, "技术目录", "工业节能技术目录")
    expect(page.locator(f"#create-refusal-{national_id}")).to_have_count(0)
    page.select_option("select[name=batch_id]", str(national_id))
    page.get_by_role("button", name="新增填报").click()
    page.wait_for_url("**/content/**")

    # 河北省 sees 绿源 among its national candidates, now declaring
    sign_in(page, live_server, "hebeisheng")
    menu(page, "审核管理", "国家级候选")
    candidate = page.locator("table.candidate-rows tr", has_text="石家庄绿源机械制造有限公司").filter(has_text="工业节能技术目录")
    expect(candidate.locator("td.candidate-status")).to_contain_text("草稿")
    expect(candidate.locator("td.open-batches")).to_contain_text("年度 ")  # the open national batch by its title
    screenshot(page, "63-national-candidates")
