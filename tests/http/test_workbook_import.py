"""Importing a workbook through the pages: the upload is previewed field by field (a blank cell that would erase
a value typed on the web is flagged), nothing is saved until the applicant confirms, a cancel changes nothing,
and a refused or stale import never overwrites the form. The template offers dropdowns of names."""
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from app.domain import forms, lifecycle, workbook
from app.extensions import db
from app import storage
from app.models import Attachment, Declaration, DeclarationType
from tests import factories as f
from tests.helpers import post_form as post, session_token as token
from tests.domain.test_workbook_fuzz import junk, spoiled

BASE = "/declarations/green_factory"
FORMS = Path(__file__).resolve().parents[2] / "seeds" / "forms"


def is_stored(attachment) -> bool:
    """Whether the attachment's object is in the app's store (a folder or S3)."""
    try:
        storage.open(attachment).close()
    except storage.MissingObject:
        return False
    return True


@pytest.fixture
def draft(app):
    return new_draft(app)


def new_draft(app) -> int:
    """A fresh 绿色工厂 draft of qiye's organization, prefilled from its profile."""
    with app.app_context():
        declaration_type = db.session.execute(
            select(DeclarationType).where(DeclarationType.code == "green_factory")).scalar_one()
        batch = db.session.scalars(select(f.Batch)).first()
        pk = lifecycle.create(db.session, f.actor_of("qiye"), declaration_type, batch, f.NOW).id
        db.session.commit()
    return pk


def content(app, pk) -> dict:
    with app.app_context():
        return db.session.get(Declaration, pk).form_data


def save_on_web(client, app, pk, **fields):
    """The form as it is, with `fields` (section|key → text) typed over it, saved through the page."""
    from tests.form_values import flatten

    typed = {**flatten(content(app, pk)), **{f"f|{k}": v for k, v in fields.items()}}
    assert post(client, f"{BASE}/content/{pk}", **typed).status_code == 302


def download(client, pk):
    return load_workbook(io.BytesIO(client.get(f"{BASE}/workbook/{pk}").data))


def cell_of(app, pk, path):
    with app.app_context():
        definition = lifecycle.definition_of(db.session.get(Declaration, pk))
    return next(c for c in workbook.layout(definition) if isinstance(c, workbook.Cell) and c.path == path)


def upload(client, book, pk):
    buffer = io.BytesIO()
    book.save(buffer)
    return post(client, f"{BASE}/upload-workbook/{pk}", workbook=(io.BytesIO(buffer.getvalue()), "申报书.xlsx"))


def pending(app, pk) -> list[Attachment]:
    with app.app_context():
        return db.session.scalars(select(Attachment).where(
            Attachment.declaration_id == pk, Attachment.purpose == workbook.PENDING_IMPORT)).all()


def confirm(client, pk, import_id, html: str):
    """The preview's 确认导入 form as the browser posts it."""
    form = html.split('/confirm"')[1].split("</form>")[0]
    fields = {name: form.split(f'name="{name}" value="')[1].split('"')[0] for name in ("fingerprint", "workbook")}
    return post(client, f"{BASE}/workbook-import/{pk}/{import_id}/confirm", **fields)


def test_preview_then_confirm_saves_what_was_previewed(app, client_as, draft):
    client = client_as("qiye")
    save_on_web(client, app, draft, **{"basic|contact": "张建国", "basic|main_products": "工业锅炉"})
    book = download(client, draft)
    contact = cell_of(app, draft, ("basic", "contact"))
    book[contact.sheet][contact.address] = "李四"
    before = content(app, draft)

    response = upload(client, book, draft)
    assert response.status_code == 302 and "/workbook-import/" in response.headers["Location"]
    assert content(app, draft) == before  # nothing saved by the upload
    [stored] = pending(app, draft)
    with app.app_context():
        assert is_stored(stored)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入将修改 1 处内容" in html
    assert "表1 基本信息表" in html or "基本信息" in html
    assert "联系人" in html and "张建国" in html and "李四" in html and "将清空" not in html
    assert "工业锅炉" not in html  # unchanged fields are not listed

    confirmed = confirm(client, draft, stored.id, html)
    assert confirmed.status_code == 302
    assert "已从 Excel 导入并保存（1 处修改）" in client.get(confirmed.headers["Location"]).get_data(as_text=True)
    after = content(app, draft)
    assert after["basic"]["contact"] == "李四" and after["basic"]["main_products"] == "工业锅炉"
    assert pending(app, draft) == []
    with app.app_context():
        assert not is_stored(stored)
    again = confirm(client, draft, stored.id, html)
    assert "已失效" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_cancel_discards_the_upload_and_changes_nothing(app, client_as, draft):
    client = client_as("qiye")
    book = download(client, draft)
    contact = cell_of(app, draft, ("basic", "contact"))
    book[contact.sheet][contact.address] = "王五"
    before = content(app, draft)
    preview = upload(client, book, draft).headers["Location"]
    [stored] = pending(app, draft)
    cancelled = post(client, f"{BASE}/workbook-import/{draft}/{stored.id}/cancel")
    assert "已取消 Excel 导入，申报内容未改动" in client.get(cancelled.headers["Location"]).get_data(as_text=True)
    assert content(app, draft) == before and pending(app, draft) == []
    with app.app_context():
        assert not is_stored(stored)
    assert "已失效" in client.get(client.get(preview).headers["Location"]).get_data(as_text=True)


def test_a_blank_cell_is_flagged_as_erasing_what_was_typed_on_the_web(app, client_as, draft):
    client = client_as("qiye")
    book = download(client, draft)  # downloaded before the web edit below
    save_on_web(client, app, draft, **{"basic|main_products": "余热锅炉（网页上填写）"})
    contact = cell_of(app, draft, ("basic", "contact"))
    book[contact.sheet][contact.address] = "赵六"
    html = client.get(upload(client, book, draft).headers["Location"]).get_data(as_text=True)
    assert "导入将修改 2 处内容" in html
    assert "确认导入将清空网页上已填写的内容" in html
    warning = html.split('class="alert alert-danger erase-warning"')[1].split("</div>")[0]
    assert "主要产品" in warning and "余热锅炉（网页上填写）" in warning and "联系人" not in warning
    row = next(r for r in html.split("<tr") if "余热锅炉（网页上填写）" in r and "<td" in r)
    assert 'class="erased"' in row and "将清空" in row
    assert "确认导入（含清空 1 处）" in html
    assert content(app, draft)["basic"]["main_products"] == "余热锅炉（网页上填写）"


def test_content_changed_since_the_preview_shows_the_preview_again(app, client_as, draft):
    client = client_as("qiye")
    book = download(client, draft)
    contact = cell_of(app, draft, ("basic", "contact"))
    book[contact.sheet][contact.address] = "孙七"
    preview = upload(client, book, draft).headers["Location"]
    old = client.get(preview).get_data(as_text=True)
    save_on_web(client, app, draft, **{"basic|main_products": "预览之后在网页上改的"})
    [stored] = pending(app, draft)
    response = confirm(client, draft, stored.id, old)
    assert response.headers["Location"].endswith(f"/workbook-import/{draft}/{stored.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "预览之后申报内容已有改动" in html and "预览之后在网页上改的" in html and "将清空" in html
    assert content(app, draft)["basic"]["main_products"] == "预览之后在网页上改的"
    assert "contact" not in content(app, draft)["basic"] or content(app, draft)["basic"]["contact"] != "孙七"
    assert confirm(client, draft, stored.id, html).status_code == 302
    assert content(app, draft)["basic"]["contact"] == "孙七"


def test_a_new_upload_replaces_the_pending_one_and_imports_are_personal(app, client_as, draft):
    client = client_as("qiye")
    book = download(client, draft)
    contact = cell_of(app, draft, ("basic", "contact"))
    book[contact.sheet][contact.address] = "第一次"
    first_preview = client.get(upload(client, book, draft).headers["Location"]).get_data(as_text=True)
    [first] = pending(app, draft)
    book[contact.sheet][contact.address] = "第二次"
    upload(client, book, draft)
    [second] = pending(app, draft)
    assert second.storage_key != first.storage_key
    with app.app_context():
        assert not is_stored(first)
    # the first preview's 确认导入 never applies the second workbook, even where the id was reused
    response = confirm(client, draft, first.id, first_preview)
    assert "第一次" not in str(content(app, draft)["basic"].get("contact"))
    if first.id == second.id:
        assert "已被新的上传替换" in client.get(response.headers["Location"]).get_data(as_text=True)
    # an import id of one declaration does not apply to another, nor another organization's declaration at all
    other = new_draft(app)
    response = post(client, f"{BASE}/workbook-import/{other}/{second.id}/confirm", fingerprint="x")
    assert "已失效" in client.get(response.headers["Location"]).get_data(as_text=True)
    stranger = client_as("yangqi")
    assert stranger.get(f"/declarations/green_factory/workbook-import/{draft}/{second.id}").status_code == 404
    assert post(stranger, f"/declarations/green_factory/workbook-import/{draft}/{second.id}/confirm",
                fingerprint="x").status_code == 404
    assert post(stranger, f"/declarations/green_factory/workbook-import/{draft}/{second.id}/cancel").status_code == 404
    assert len(pending(app, draft)) == 1


def test_an_unchanged_workbook_says_so(app, client_as, draft):
    client = client_as("qiye")
    response = upload(client, download(client, draft), draft)
    assert "没有需要导入的修改" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert pending(app, draft) == []


def test_a_refused_workbook_changes_nothing(app, client_as, draft):
    client = client_as("qiye")
    save_on_web(client, app, draft, **{"basic|main_products": "保留"})
    before = content(app, draft)
    book = download(client, draft)
    capital = cell_of(app, draft, ("basic", "registered_capital"))
    book[capital.sheet][capital.address] = "五百万"
    html = upload(client, book, draft).get_data(as_text=True)
    assert f"{capital.sheet}!{capital.address}: " in html and "未保存任何内容" in html
    assert content(app, draft) == before and pending(app, draft) == []


def test_attachments_are_never_touched_by_an_import(app, client_as, draft):
    client = client_as("qiye")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    post(client, f"{BASE}/attach/{draft}", field="attachments.business_license", file=(io.BytesIO(pdf), "营业执照.pdf"))
    files = content(app, draft)["attachments"]["business_license"]
    assert len(files) == 1
    book = download(client, draft)
    contact = cell_of(app, draft, ("basic", "contact"))
    book[contact.sheet][contact.address] = "周八"
    html = client.get(upload(client, book, draft).headers["Location"]).get_data(as_text=True)
    assert "营业执照" not in html.split("<table")[1]
    [stored] = pending(app, draft)
    confirm(client, draft, stored.id, html)
    assert content(app, draft)["attachments"]["business_license"] == files
    assert content(app, draft)["basic"]["contact"] == "周八"


def test_the_template_offers_names_and_its_cover_is_chinese(app, client_as, draft):
    client = client_as("qiye")
    book = download(client, draft)
    region = cell_of(app, draft, ("basic", "region"))
    industry = cell_of(app, draft, ("basic", "industry"))
    assert book[region.sheet][region.address].value == "130102 河北省石家庄市长安区"
    assert str(book[industry.sheet][industry.address].value).startswith("3411 ")
    cover = " ".join(str(c.value) for row in book["封面"].iter_rows() for c in row if c.value is not None)
    assert "绿色工厂" in cover and "年度" in cover and "石家庄绿源机械制造有限公司" in cover and "版本" in cover
    assert "green_factory" not in cover
    lists = book[workbook.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    formulas = {v.formula1: v for v in book[region.sheet].data_validations.dataValidation}
    by_cell = {str(v.sqref): v.formula1 for v in formulas.values()}
    region_list = next(formula for ref, formula in by_cell.items() if region.address in ref.split())
    target = book.defined_names[region_list].attr_text
    column = target.split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
    entries = [c.value for c in lists[column]]
    assert "130102 河北省石家庄市长安区" in entries and len(entries) > 100
    industry_list = next(formula for ref, formula in by_cell.items() if industry.address in ref.split())
    column = book.defined_names[industry_list].attr_text.split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
    assert any(str(c.value).startswith("3411 ") for c in lists[column])
    assert all(len(str(c.value).split()[0]) == 4 for c in lists[column])  # the web form's 小类 only
    nature = cell_of(app, draft, ("basic", "nature"))
    assert any(nature.address in str(v.sqref).split() and v.formula1.startswith('"')
               for v in book[nature.sheet].data_validations.dataValidation)  # a short choice stays inline


@pytest.mark.parametrize("typed", ["130104", "130104 河北省石家庄市桥西区", "河北省石家庄市桥西区"])
def test_a_region_may_be_given_by_code_or_name(app, client_as, draft, typed):
    client = client_as("qiye")
    book = download(client, draft)
    region = cell_of(app, draft, ("basic", "region"))
    book[region.sheet][region.address] = typed
    html = client.get(upload(client, book, draft).headers["Location"]).get_data(as_text=True)
    assert "通讯地址" in html and "河北省石家庄市长安区" in html and "河北省石家庄市桥西区" in html


# --- any workbook through the page ----------------------------------------------------------------

TYPES = sorted({json.loads(path.read_text(encoding="utf-8"))["type"] for path in FORMS.glob("*.json")})
DOWNLOADED: dict[tuple[str, int], bytes] = {}  # each draft's workbook, downloaded once per database


@pytest.fixture(scope="module")
def every_type(app):
    """A draft of every type and the workbook downloaded from it: 绿色园区 is the park's, the rest 绿源's."""
    with app.app_context():
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        for declaration_type in db.session.scalars(select(DeclarationType)):
            if "enterprise" in declaration_type.declarant_types and declaration_type not in lvyuan.declaration_types:
                lvyuan.declaration_types.append(declaration_type)
        batch = db.session.scalars(select(f.Batch)).first()
        drafts = {}
        for code in TYPES:
            username = "yuanqu" if code == "green_park" else "qiye"
            declaration_type = db.session.execute(
                select(DeclarationType).where(DeclarationType.code == code)).scalar_one()
            declaration = lifecycle.create(db.session, f.actor_of(username), declaration_type, batch, f.NOW)
            drafts[code] = (declaration.id, username, lifecycle.definition_of(declaration))
        db.session.commit()
    return drafts


@pytest.mark.skipif(not hasattr(forms, "number_error"), reason="needs the bounded numbers of forms.py")
@pytest.mark.parametrize("code", TYPES)
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_workbook_is_a_500_and_an_upload_never_saves(app, client_as, every_type, code, data):
    pk, username, definition = every_type[code]
    client = client_as(username)
    base = f"/declarations/{code}"
    cells = [c for c in workbook.layout(definition) if isinstance(c, workbook.Cell)]
    edits = data.draw(st.lists(st.tuples(st.sampled_from(cells), junk()), min_size=1, max_size=5))
    key = (app.config["BACKEND"], pk)  # the same id on the other database is another draft, maybe of another type
    original = DOWNLOADED.get(key) or DOWNLOADED.setdefault(key, client.get(f"{base}/workbook/{pk}").data)
    before = content(app, pk)
    response = client.post(f"{base}/upload-workbook/{pk}", content_type="multipart/form-data", data={
        "csrf_token": token(client), "workbook": (io.BytesIO(spoiled(original, edits)), "申报书.xlsx")})
    assert response.status_code in (200, 302)
    html = response.get_data(as_text=True)
    if response.status_code == 200:
        assert "Excel 未导入" in html  # refused, with its problems listed
    else:
        shown = client.get(response.headers["Location"])
        assert shown.status_code in (200, 302)
        if "/workbook-import/" in response.headers["Location"]:
            assert "核对 Excel 导入" in shown.get_data(as_text=True)
            import_id = response.headers["Location"].rstrip("/").split("/")[-1]
            post(client, f"{base}/workbook-import/{pk}/{import_id}/cancel")
    assert content(app, pk) == before
