"""One 绿色工厂 declaration walked in Chromium from 新增填报 through third-party evaluation and every
review level to the ministry's approval, with a screenshot at each stage."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.domain import workbook
from app.extensions import db
from app.models import Declaration
from tests.form_values import complete

from tests.browser.conftest import screenshot
from tests.browser.helpers import download, green_factory_definition, menu, save_form, sign_in

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fill_form_in_browser_and_excel(page, tmp_path):
    """表1 typed in the page and saved; the rest filled offline in the downloaded xlsx and uploaded."""
    assert page.locator("[name='f|basic|factory_name']").input_value() == "石家庄绿源机械制造有限公司"  # prefilled
    page.fill("[name='f|basic|main_products']", "工业锅炉、余热锅炉")
    page.fill("[name='f|basic|contact']", "张建国")
    page.fill("[name='f|basic|introduction']", "公司始建于 2012 年，主要生产工业锅炉。")
    screenshot(page, "08-form-table1")
    save_form(page)
    path = download(page, "下载 Excel（含已填内容）", tmp_path / "申报书.xlsx")

    definition = green_factory_definition()
    values = complete(definition)
    book = load_workbook(path)
    for cell in workbook.layout(definition):
        if isinstance(cell, workbook.Cell) and cell.path[:2] != ("basic", "factory_name"):
            value = workbook._value_at(values, cell.path)
            if value is not None:
                book[cell.sheet].cell(row=cell.row, column=cell.column, value=workbook._as_cell(cell.field, value))
    book.save(path)
    page.set_input_files("input[name=workbook]", str(path))
    page.get_by_role("button", name="上传填好的 Excel").click()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已从 Excel 导入并保存")).to_be_visible()
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(PDF)
    page.select_option("select[name=field]", label="营业执照")
    page.set_input_files("input[name=file]", str(licence))
    page.get_by_role("button", name="上传附件").click()
    expect(page.get_by_text("附件已上传")).to_be_visible()
    page.get_by_role("link", name="附表1 自我评价报告").click()
    screenshot(page, "09-form-self-evaluation")


def test_green_factory_walks_to_ministry_approval(app, live_server, page, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    report = tmp_path / "第三方评价报告.pdf"
    report.write_bytes(PDF)

    sign_in(page, live_server, "qiye")
    menu(page, "绿色制造体系", "绿色工厂")
    page.get_by_role("button", name="新增填报").click()
    page.wait_for_url("**/content/**")
    pk = page.url.rstrip("/").split("/")[-1]
    show_url = f"{live_server}/declarations/green_factory/show/{pk}"
    fill_form_in_browser_and_excel(page, tmp_path)
    page.goto(show_url)
    # each option names the agency and its places left this year (app/domain/agency.py)
    page.select_option("select[name=agency_id]", page.locator("select[name=agency_id] option",
                                                              has_text="河北绿标认证评价有限公司").get_attribute("value"))
    page.get_by_role("button", name="选择第三方评价机构").click()
    page.get_by_role("button", name="提交三方评价").click()
    expect(page.locator("td.status")).to_have_text("三方评价中")
    screenshot(page, "10-applicant-sent-to-agency")

    sign_in(page, live_server, "sanfang")
    menu(page, "三方评价", "待评价申报")
    page.click(f"a[href*='/agency/declarations/show/{pk}']")
    page.fill("input[name=score]", "88.5")
    page.select_option("select[name=basic_requirements]", "符合")
    page.fill("input[name=highlights]", "屋顶分布式光伏覆盖率 80%，余热全部回收")
    page.set_input_files("input[name=report]", str(report))
    screenshot(page, "11-agency-evaluation-form")
    page.get_by_role("button", name="返回评价结果").click()
    expect(page.locator("td.status")).to_have_text("三方评价已返回")

    sign_in(page, live_server, "qiye")
    page.goto(show_url)
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("td.status")).to_have_text("上级主管部门审核中")
    screenshot(page, "12-applicant-submitted")

    for username in ("changan", "shijiazhuang", "hebeisheng", "gongxinbu"):
        sign_in(page, live_server, username)
        if username == "gongxinbu":
            with app.app_context():
                package_id = db.session.get(Declaration, pk).package_id
            recommend_in_browser(page, live_server, package_id, tmp_path)
            sign_in(page, live_server, username)
        menu(page, "审核管理", "申报审核")
        page.wait_for_url("**/review/declarations/list/**")
        assert page.locator(f"a[href*='/review/declarations/show/{pk}']").count() >= 1, username
        if username == "changan":
            screenshot(page, "13-county-pending-list")
            page.check(f"input[name=rowid][value='{pk}']")
            page.get_by_role("button", name="操作").click()
            page.get_by_role("link", name="审核通过").click()
            page.fill("#opinion", "材料齐全，同意推荐")
            page.get_by_role("button", name="确定审核通过").click()
            expect(page.locator(".decision-results")).to_contain_text("成功")
            expect(page.get_by_text("成功 1 项，未执行 0 项。")).to_be_visible()
            screenshot(page, "14-county-bulk-result")
        else:
            label = "通过（拟入选）" if username == "gongxinbu" else "审核通过"
            page.click(f"a[href*='/review/declarations/show/{pk}']")
            page.fill("form[action$='/approve'] textarea[name=opinion]", f"{username} 审核通过")
            page.get_by_role("button", name=label).click()
            expect(page.get_by_text(f"已完成：{label}")).to_be_visible()

    screenshot(page, "15-ministry-approved")
    sign_in(page, live_server, "qiye")
    page.goto(show_url)
    expect(page.locator("td.status")).to_have_text("审核通过（拟入选） · 已提交推荐")
    assert page.locator(".review-steps td.step-approved").count() == 4
    screenshot(page, "16-applicant-history")


def recommend_in_browser(page, base, package_id, tmp_path):
    """河北省's 推荐管理: the package holds the declaration; download the generated 汇总表, upload the
    stamped letter and table, 提交推荐."""
    sign_in(page, base, "hebeisheng")
    menu(page, "审核管理", "推荐管理")
    page.wait_for_url("**/recommendations/list/**")
    expect(page.get_by_text("未上传推荐函 · 未提交汇总表").first).to_be_visible()
    screenshot(page, "15a-package-list")
    page.locator(f"a[href$='/recommendations/show/{package_id}']").first.click()
    page.get_by_role("button", name="生成系统汇总表（xlsx）").click()  # a job: its page offers the file
    page.wait_for_url("**/jobs/*")
    expect(page.locator(".job-status")).to_have_text("已完成")
    screenshot(page, "15a-summary-job")
    summary = download(page, "下载文件", tmp_path / "汇总表.xlsx")
    page.goto(f"{base}/recommendations/show/{package_id}")
    letter = tmp_path / "推荐函.pdf"
    letter.write_bytes(PDF)
    page.set_input_files("form[action*='/letter'] input[type=file]", str(letter))
    page.locator("form[action*='/letter'] button").click()
    expect(page.get_by_text("已上传：推荐函")).to_be_visible()
    page.set_input_files("form[action$='/summary'] input[type=file]", str(summary))
    page.locator("form[action$='/summary'] button").click()
    expect(page.locator("td.package-state")).to_have_text("已上传推荐函 · 已上传汇总表")
    screenshot(page, "15b-package-ready")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交推荐").click()
    expect(page.locator("td.package-state")).to_have_text("已提交推荐")
    screenshot(page, "15c-package-submitted")
