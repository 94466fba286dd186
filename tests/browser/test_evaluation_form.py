"""The agency's evaluation form in Chromium: a live count for 主要亮点 that never cuts, every error at once next
to its field after a refusal, what was typed and the chosen PDF still there, and 评价结论 on the page afterwards."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_in
from tests.http.test_evaluation_form import PDF, evaluating

pytestmark = pytest.mark.browser


def test_refused_evaluation_keeps_everything_and_shows_every_error(app, live_server, page, tmp_path):
    pk = evaluating(app)
    report = tmp_path / "第三方评价报告.pdf"
    report.write_bytes(PDF)
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, live_server, "sanfang")
    page.goto(f"{live_server}/agency/declarations/show/{pk}")
    highlights = "屋顶分布式光伏覆盖率百分之八十，余热全部回收利用" * 6  # 138 字
    page.fill("input[name=score]", "1e5")
    page.select_option("select[name=basic_requirements]", "符合")
    page.fill("input[name=highlights]", highlights)
    expect(page.locator('.char-count[data-for="highlights"]')).to_have_text(f"{len(highlights)} / 100 字（超出 {len(highlights) - 100} 字）")
    page.fill("textarea[name=conclusion]", "能源管理体系完善，建议入选。")
    page.set_input_files("input[name=report]", str(report))
    page.get_by_role("button", name="返回评价结果").click()

    expect(page.get_by_text("评价结果有 2 处需要修改，未提交")).to_be_visible()
    expect(page.locator('.error-message[data-field="score"]')).to_contain_text("不接受科学计数法")
    expect(page.locator('.error-message[data-field="highlights"]')).to_have_text(
        f"主要亮点不能超过 100 字（现为 {len(highlights)} 字）")
    expect(page.locator("input[name=highlights]")).to_have_value(highlights)  # nothing cut
    expect(page.locator("textarea[name=conclusion]")).to_have_value("能源管理体系完善，建议入选。")
    expect(page.locator("select[name=basic_requirements]")).to_have_value("符合")
    expect(page.get_by_text("已上传：第三方评价报告.pdf")).to_be_visible()
    screenshot(page, "20-agency-evaluation-refused")

    page.fill("input[name=score]", "88.5")
    page.fill("input[name=highlights]", "屋顶分布式光伏覆盖率 80%，余热全部回收")
    page.get_by_role("button", name="返回评价结果").click()  # the PDF need not be chosen again
    expect(page.locator("td.status")).to_have_text("三方评价已返回")
    expect(page.locator("td.conclusion")).to_have_text("能源管理体系完善，建议入选。")
    screenshot(page, "21-agency-evaluation-returned")
