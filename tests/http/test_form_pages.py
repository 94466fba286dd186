"""The generated form pages: every type renders, saves, refuses bad input keeping it, exports, imports
and prints; attachments are judged by content."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.domain import lifecycle, workbook
from app.extensions import db
from app.models import Declaration, DeclarationType
from tests import factories as f
from tests.helpers import post_form as post
from tests.form_values import complete, flatten

TYPES = ["green_factory", "green_design_product", "green_design_enterprise", "green_supply_chain", "green_standard",
         "green_data_center", "energy_saving_tech", "water_saving_tech", "environmental_tech",
         "resource_recycling_tech", "efficiency_leader", "green_park"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Drafts(dict):
    """A fresh draft of a type on first use in a test (id, username): 绿源 may declare all but 绿色园区, which the
    park declares. Fresh per test, so what one test stores in a draft never reaches another."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def __missing__(self, code):
        with self.app.app_context():
            lvyuan = f.organization("石家庄绿源机械制造有限公司")
            for declaration_type in db.session.scalars(select(DeclarationType)):
                if "enterprise" in declaration_type.declarant_types and declaration_type not in lvyuan.declaration_types:
                    lvyuan.declaration_types.append(declaration_type)
            batch = db.session.scalars(select(f.Batch)).first()
            username = "yuanqu" if code == "green_park" else "qiye"
            declaration_type = db.session.execute(select(DeclarationType).where(DeclarationType.code == code)).scalar_one()
            self[code] = (lifecycle.create(db.session, f.actor_of(username), declaration_type, batch, f.NOW).id, username)
            db.session.commit()
        return self[code]


@pytest.fixture
def drafts(app):
    return Drafts(app)


@pytest.mark.parametrize("code", TYPES)
def test_every_form_renders_saves_exports_and_prints(app, client_as, drafts, code):
    pk, username = drafts[code]
    client = client_as(username)
    base = f"/declarations/{code}"
    page = client.get(f"{base}/content/{pk}")
    assert page.status_code == 200
    with app.app_context():
        declaration = db.session.get(Declaration, pk)
        definition = lifecycle.definition_of(declaration)
        prefilled = dict(declaration.form_data)
    html = page.get_data(as_text=True)
    assert all(section.title in html for section in definition.sections)
    values = complete(definition)
    assert post(client, f"{base}/content/{pk}", **flatten(values)).status_code == 302
    with app.app_context():
        stored = db.session.get(Declaration, pk).form_data
        assert {k: v for k, v in stored.items()} .keys() == values.keys()
        title = db.session.get(Declaration, pk).title
    assert title  # the definition's title field names the declaration in lists
    exported = client.get(f"{base}/workbook/{pk}")
    assert exported.status_code == 200
    read_back, problems = workbook.read(definition, exported.data)
    assert problems == [] and read_back == stored
    printed = client.get(f"{base}/print/{pk}").get_data(as_text=True)
    assert definition.title in printed and "申报单位（盖章）" in printed
    assert prefilled  # something came from the profile


def test_a_refused_save_keeps_what_was_typed(app, client_as, drafts):
    pk, username = drafts["green_factory"]
    client = client_as(username)
    response = post(client, f"/declarations/green_factory/content/{pk}", **{
        "f|basic|factory_name": "保留这个名字", "f|basic|introduction": "字" * 501, "f|basic|contact_phone": "12345"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "未保存" in html
    assert "保留这个名字" in html and "不能超过 500 字" in html and "电话号码格式不正确" in html
    with app.app_context():
        assert db.session.get(Declaration, pk).form_data.get("basic", {}).get("factory_name") != "保留这个名字"


def test_uploaded_workbook_is_all_or_nothing(app, client_as, drafts):
    pk, username = drafts["green_supply_chain"]
    client = client_as(username)
    base = "/declarations/green_supply_chain"
    with app.app_context():
        before = dict(db.session.get(Declaration, pk).form_data)
        definition = lifecycle.definition_of(db.session.get(Declaration, pk))
    book = load_workbook(io.BytesIO(client.get(f"{base}/workbook/{pk}").data))
    cells = [c for c in workbook.layout(definition) if isinstance(c, workbook.Cell)]
    text_cell = next(c for c in cells if c.field.kind == "text")
    score_cell = next(c for c in cells if c.path[-1] == "score")
    book[text_cell.sheet][text_cell.address] = "从 Excel 填写"
    book[score_cell.sheet][score_cell.address] = 999
    bad = io.BytesIO()
    book.save(bad)
    refused = post(client, f"{base}/upload-workbook/{pk}", workbook=(io.BytesIO(bad.getvalue()), "申报书.xlsx"))
    html = refused.get_data(as_text=True)
    assert f"{score_cell.sheet}!{score_cell.address}: " in html and "未保存任何内容" in html
    with app.app_context():
        assert db.session.get(Declaration, pk).form_data == before
    book[score_cell.sheet][score_cell.address] = 3
    good = io.BytesIO()
    book.save(good)
    preview = post(client, f"{base}/upload-workbook/{pk}", workbook=(io.BytesIO(good.getvalue()), "申报书.xlsx"))
    form = client.get(preview.headers["Location"]).get_data(as_text=True).split('/confirm"')[1]
    fields = {name: form.split(f'name="{name}" value="')[1].split('"')[0] for name in ("fingerprint", "workbook")}
    assert post(client, preview.headers["Location"] + "/confirm", **fields).status_code == 302  # 确认导入
    with app.app_context():
        section, key = text_cell.path
        assert db.session.get(Declaration, pk).form_data[section][key] == "从 Excel 填写"
    for junk, message in ((b"MZ\x90", "不是有效的 xlsx"), (b"", "文件为空")):
        html = post(client, f"{base}/upload-workbook/{pk}", workbook=(io.BytesIO(junk), "x.xlsx")).get_data(as_text=True)
        assert message in html


def test_attachments_are_judged_by_content(app, client_as, drafts):
    pk, username = drafts["green_standard"]
    client = client_as(username)
    base = "/declarations/green_standard"
    cases = [((b"MZ\x90\x00" + b"\x00" * 100), "标准文本.pdf", "只接受以下格式"),
             (b"%PDF-1.4 truncated", "标准文本.pdf", "不完整"),
             (PDF, "标准文本.pdf", "附件已上传")]
    for content, name, message in cases:
        response = post(client, f"{base}/attach/{pk}", field="attachments.standard_text", file=(io.BytesIO(content), name))
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        ids = db.session.get(Declaration, pk).form_data["attachments"]["standard_text"]
    assert len(ids) == 1
    download = client.get(f"{base}/download/{pk}/{ids[0]}")
    assert download.status_code == 200 and download.data == PDF
    assert client_as("yangqi").get(f"{base}/download/{pk}/{ids[0]}").status_code == 404


def test_a_format_error_with_empty_or_text_scores_is_refused_with_everything_typed(app, client_as, drafts):
    """The crash of issue #15: 注册资本 "五百万" while a 自评分 is empty or holds text was a 500."""
    pk, username = drafts["green_factory"]
    client = client_as(username)
    response = post(client, f"/declarations/green_factory/content/{pk}", **{
        "f|basic|registered_capital": "五百万", "f|basic|postcode": "05000",
        "f|self_evaluation|indicators|5.1.1|score": "", "f|self_evaluation|indicators|5.1.2|score": "四分",
        "f|self_evaluation|indicators|5.1.3|score": "2.5", "f|self_evaluation|indicators|5.1.3|note": "已建立能源台账",
        "f|basic|economics|0|y1": "1e1000000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "未保存" in html
    assert "注册资本应为数字" in html and "邮编应为六位数字邮政编码" in html and "不接受科学计数法" in html
    assert 'value="五百万"' in html and 'value="四分"' in html and 'value="05000"' in html
    assert 'value="已建立能源台账"' in html and 'value="1e1000000"' in html
    assert '<b class="score-total" data-table="f|self_evaluation|indicators">2.5</b>' in html  # text counts as nothing


@pytest.mark.parametrize("typed, message", [
    ("1" * 16, "整数部分不能超过 15 位"), ("1e999999", "请填写普通数字，不接受科学计数法（如 1e5）"), ("12.3456789", "最多保留 6 位小数"),
    ("1" * 29, "整数部分不能超过 15 位")])
def test_numbers_are_bounded_on_the_page(app, client_as, drafts, typed, message):
    pk, username = drafts["green_factory"]
    response = post(client_as(username), f"/declarations/green_factory/content/{pk}",
                    **{"f|basic|registered_capital": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f"注册资本{message}" in html and f'value="{typed}"' in html


def test_cell_errors_are_translated_before_they_are_formatted(app, client_as, drafts):
    """In the English UI a cell's error is English around the form's own (Chinese) label, in Chinese in Chinese."""
    pk, username = drafts["green_factory"]
    client = client_as(username)
    client.get("/lang/en")
    try:
        html = post(client, f"/declarations/green_factory/content/{pk}", **{
            "f|basic|registered_capital": "五百万", "f|basic|postcode": "05000"}).get_data(as_text=True)
        assert "注册资本 must be a number" in html and "邮编 must be a six-digit postcode" in html
        assert "应为数字" not in html
    finally:
        client.get("/lang/zh_CN")


def test_a_nul_character_is_dropped_and_everything_else_typed_is_kept(app, client_as, drafts):
    pk, username = drafts["green_factory"]
    client = client_as(username)
    html = post(client, f"/declarations/green_factory/content/{pk}", **{
        "f|basic|main_products": "工业\x00锅炉", "f|basic|registered_capital": "五百万"}).get_data(as_text=True)
    assert 'value="工业锅炉"' in html and 'value="五百万"' in html and "注册资本应为数字" in html
    assert client.get("/declarations/green_factory/list/?q=a%00b").status_code == 400  # a URL with one is refused
