"""The Excel round trip in Chromium as qiye: a workbook downloaded before a web edit, with one cell changed
offline, is previewed before anything is saved; the preview shows the change and flags the web value that the
blank cell would erase; confirming puts exactly that on the form."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.domain import workbook
from tests.browser.conftest import screenshot
from tests.browser.helpers import download, green_factory_definition, menu, save_form, sign_in

pytestmark = pytest.mark.browser


def test_an_old_workbook_is_previewed_with_its_erasures_then_applied(live_server, page, tmp_path):
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, live_server, "qiye")
    menu(page, "绿色制造体系", "绿色工厂")
    page.get_by_role("button", name="新增填报").click()
    page.wait_for_url("**/content/**")
    form_url = page.url

    page.fill("[name='f|basic|contact']", "张建国")
    page.fill("[name='f|basic|contact_email']", "zhangjianguo@lvyuan.cn")
    save_form(page)
    path = download(page, "下载 Excel（含已填内容）", tmp_path / "申报书.xlsx")

    # typed on the web after the download: the workbook does not have it
    page.fill("[name='f|basic|main_products']", "工业锅炉、余热锅炉")
    save_form(page)

    book = load_workbook(path)
    cover = [str(c.value) for row in book["封面"].iter_rows() for c in row if c.value is not None]
    assert "绿色工厂" in cover and not any("green_factory" in text for text in cover)
    assert book[workbook.LISTS_SHEET].sheet_state == "hidden"
    definition = green_factory_definition()
    cells = {c.path: c for c in workbook.layout(definition) if isinstance(c, workbook.Cell)}
    contact, region = cells[("basic", "contact")], cells[("basic", "region")]
    assert book[contact.sheet][contact.address].value == "张建国"
    assert book[region.sheet][region.address].value == "130102 河北省石家庄市长安区"  # a name, not a bare code
    book[contact.sheet][contact.address] = "李四"
    book.save(path)

    page.set_input_files("input[name=workbook]", str(path))
    page.get_by_role("button", name="上传填好的 Excel").click()
    page.wait_for_url("**/workbook-import/**")
    expect(page.get_by_text("导入将修改 2 处内容")).to_be_visible()
    changed = page.locator("tr.changed", has_text="联系人")
    expect(changed).to_contain_text("张建国")
    expect(changed).to_contain_text("李四")
    erased = page.locator("tr.erased", has_text="主要产品")
    expect(erased).to_contain_text("工业锅炉、余热锅炉")
    expect(erased).to_contain_text("将清空")
    expect(page.locator(".erase-warning")).to_contain_text("主要产品")
    screenshot(page, "workbook-import-preview")

    page.goto(form_url)  # nothing saved yet
    assert page.locator("[name='f|basic|contact']").input_value() == "张建国"
    page.go_back()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已从 Excel 导入并保存（2 处修改）")).to_be_visible()
    assert page.locator("[name='f|basic|contact']").input_value() == "李四"
    assert page.locator("[name='f|basic|main_products']").input_value() == ""
    screenshot(page, "workbook-import-applied")
