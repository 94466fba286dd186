"""IT staff publish a new form version in the console: upload, see every error, fix, preview (page and xlsx),
publish."""
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import FormDefinition
from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser
SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "forms"


def test_admin_uploads_sees_errors_fixes_previews_and_publishes(app, live_server, page, tmp_path):
    data = json.loads((SEEDS / "green_park.json").read_text(encoding="utf-8"))
    data["version"] = "2027.5"
    data["sections"][0]["fields"].append({"key": "land_output", "label": "单位用地面积产值", "kind": "indicator",
                                          "unit": "万元/公顷", "direction": "higher_is_better", "baseline": 6000,
                                          "leading": 15000, "points": 5})
    bad = json.loads(json.dumps(data))
    bad["sections"][0]["fields"][1]["kind"] = "nubmer"
    bad["sections"][0]["fields"][-1]["direction"] = "up"
    path = tmp_path / "green_park_2027.json"
    path.write_text(json.dumps(bad, ensure_ascii=False, indent=2), encoding="utf-8")

    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/console/form_definitions/")
    page.get_by_role("link", name="上传新版本").click()
    page.set_input_files("#definition-file", str(path))
    page.get_by_role("button", name="检查并预览").click()
    errors = page.locator(".definition-errors")
    expect(errors).to_contain_text("2 处问题")
    expect(errors).to_contain_text("sections[0].fields[1].kind：未知的字段类型 “nubmer”")
    expect(errors).to_contain_text("direction：定量指标必须给出方向")
    screenshot(page, "60-console-form-upload-errors")

    text = page.input_value("#definition-text")  # the uploaded text is kept for fixing
    assert '"nubmer"' in text
    page.fill("#definition-text", text.replace('"nubmer"', '"text"').replace('"direction": "up"',
                                                                               '"direction": "higher_is_better"'))
    page.get_by_role("button", name="检查并预览").click()
    expect(page.locator(".definition-checked")).to_contain_text("检查通过，尚未发布")
    expect(page.get_by_text("基准值 6000万元/公顷，引领值 15000万元/公顷，越高越好，满分 5 分")).to_be_visible()
    expect(page.locator(".form-preview").get_by_text("单位用地面积产值").first).to_be_visible()
    screenshot(page, "61-console-form-preview")
    with page.expect_download() as started:
        page.get_by_role("button", name="下载 Excel 模板预览").click()
    saved = tmp_path / "preview.xlsx"
    started.value.save_as(saved)
    assert "封面" in load_workbook(saved).sheetnames

    page.get_by_role("button", name="发布").click()
    expect(page.get_by_text("已发布绿色园区申报书 2027.5 版", exact=False)).to_be_visible()
    screenshot(page, "62-console-form-published")
    with app.app_context():
        assert db.session.scalar(select(FormDefinition).where(FormDefinition.version == "2027.5")) is not None
