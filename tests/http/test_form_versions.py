"""申报书版本 without code: IT staff upload a definition in the console, see every problem at once, preview it as
the applicant's page and as the xlsx template, and publish it as a new version; batch windows choose it and
declarations keep the version they started with."""
import copy
import io
import json
import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from app.domain import lifecycle
from app.extensions import db
from app.models import BatchWindow, ConfigChange, Declaration, DeclarationType, FormDefinition
from tests import factories as f
from tests.conftest import csrf_token
from tests.helpers import post_form, session_token

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "forms"
BASE = "/console/form_definitions"


def definition(version="2027.1"):
    data = json.loads((SEEDS / "green_supply_chain.json").read_text(encoding="utf-8"))
    data["version"] = version
    data["title"] = "绿色供应链管理企业申报书（新版）"
    data["sections"][0]["fields"].append({"key": "water_reuse", "label": "工业用水重复利用率", "kind": "indicator",
                                          "unit": "%", "direction": "higher_is_better", "baseline": 70,
                                          "leading": 95, "points": 6})
    return data


def upload(client, text, url=f"{BASE}/upload/"):
    return client.post(url, data={"csrf_token": session_token(client), "definition": text})


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_definition_with_several_errors_is_refused_naming_each_and_keeping_the_text(client_as, app):
    admin = client_as("admin")
    listing = admin.get(f"{BASE}/").get_data(as_text=True)
    assert f'href="{BASE}/upload/"' in listing and "上传新版本" in listing
    assert admin.get(f"{BASE}/upload/").status_code == 200
    data = definition()
    data["sections"][0]["fields"][3]["kind"] = "nubmer"
    data["sections"][1]["key"] = "Self Evaluation"
    data["sections"][0]["fields"][-1]["baseline"] = "七十"
    del data["title"]
    text = json.dumps(data, ensure_ascii=False, indent=2)
    with app.app_context():
        before = db.session.query(FormDefinition).count()
    response = upload(admin, text)
    html = response.get_data(as_text=True)
    shown = text_of(html)
    assert response.status_code == 200 and "未通过检查" in html
    assert "sections[0].fields[3].kind：未知的字段类型 “nubmer”，可用：checklist, choice" in shown
    assert "sections[1].key：“Self Evaluation” 应为小写英文字母开头的英文标识" in shown
    assert "sections[0].fields[20].baseline：应为数字" in shown or "baseline：应为数字" in shown
    assert "title：必填" in shown
    assert "&#34;nubmer&#34;" in html or "&quot;nubmer&quot;" in html  # the uploaded text stays in the box
    broken = upload(admin, text.replace('"version": "2027.1",', '"version": "2027.1"', 1))
    assert re.search(r"第 \d+ 行第 \d+ 列：JSON 格式错误（缺少逗号）", broken.get_data(as_text=True))
    published_again = upload(admin, json.dumps({**definition(), "version": "2026.2"}, ensure_ascii=False))
    assert "2026.2 已发布" in published_again.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(FormDefinition).count() == before


def test_a_good_definition_is_previewed_then_published_and_used_by_a_new_batch_only(client_as, app):
    admin = client_as("admin")
    text = json.dumps(definition(), ensure_ascii=False)
    preview = upload(admin, text)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "检查通过，尚未发布" in html, text_of(html)[-2000:]
    assert "工业用水重复利用率" in html and "基准值 70%，引领值 95%，越高越好，满分 6 分" in html  # the applicant's view
    assert 'name="f|basic|water_reuse"' in html and "发布后新建批次默认使用此版本" in html
    with app.app_context():
        assert not db.session.scalar(select(FormDefinition).where(FormDefinition.version == "2027.1"))
    book = admin.post(f"{BASE}/preview-workbook/", data={"csrf_token": session_token(admin), "definition": text})
    assert book.status_code == 200 and book.mimetype.endswith("spreadsheetml.sheet")
    sheets = load_workbook(io.BytesIO(book.data))
    cells = [str(c.value) for row in sheets["表1基本信息"].iter_rows() for c in row if c.value]
    assert "工业用水重复利用率（%）" in cells and any("引领值 95%" in c for c in cells)

    with app.app_context():  # a declaration already started keeps its version
        supply = db.session.scalar(select(DeclarationType).where(DeclarationType.code == "green_supply_chain"))
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        if supply not in lvyuan.declaration_types:
            lvyuan.declaration_types.append(supply)
        old_batch = db.session.scalars(select(f.Batch)).first()
        old = lifecycle.create(db.session, f.actor_of("qiye"), supply, old_batch, f.NOW)
        db.session.commit()
        old_id, old_form = old.id, old.form_definition_id
    published = admin.post(f"{BASE}/publish/", data={"csrf_token": session_token(admin), "definition": text})
    assert published.status_code == 302
    listing = admin.get(published.headers["Location"]).get_data(as_text=True)
    assert "已发布" in listing and "2027.1" in listing
    with app.app_context():
        row = db.session.scalar(select(FormDefinition).where(FormDefinition.declaration_type_id == supply.id,
                                                              FormDefinition.version == "2027.1"))
        assert row is not None and row.definition == json.loads(text)
        assert db.session.scalar(select(ConfigChange).where(ConfigChange.table_name == "form_definition",
                                                            ConfigChange.row_id == str(row.id))).action == "create"
        new_form = row.id
        assert db.session.get(Declaration, old_id).form_definition_id == old_form != new_form
    again = admin.post(f"{BASE}/publish/", data={"csrf_token": session_token(admin), "definition": text})
    assert again.status_code == 200 and "2027.1 已发布" in again.get_data(as_text=True)  # never replaced

    # a published version is neither edited nor deleted
    admin.post(f"{BASE}/delete/", data={"id": str(old_form), "csrf_token": session_token(admin)})
    assert admin.get(f"{BASE}/edit/?id={old_form}").status_code in (302, 403, 404)
    with app.app_context():
        assert db.session.get(FormDefinition, old_form) is not None

    # a new batch window chooses the new version; a new declaration in it uses it
    form_page = admin.get("/console/batches/new/").get_data(as_text=True)
    created = admin.post("/console/batches/new/", data={
        "csrf_token": csrf_token(form_page), "year": "2026", "name": "第十一批（新版申报书）", "tier": "national",
        "notice_no": "工信厅节函〔2026〕911号", "windows-0-declaration_type": str(supply.id),
        "windows-0-opens_on": (f.NOW.date()).isoformat(), "windows-0-closes_on": "2099-12-31",
        "windows-0-form_definition": str(new_form)})
    assert created.status_code == 302, text_of(created.get_data(as_text=True))[-1500:]
    with app.app_context():
        batch = db.session.scalar(select(f.Batch).where(f.Batch.name == "第十一批（新版申报书）"))
        assert batch.windows[0].form_definition_id == new_form
        new = lifecycle.create(db.session, f.actor_of("qiye"), db.session.get(DeclarationType, supply.id), batch, f.NOW)
        db.session.commit()
        new_id = new.id
        assert new.form_definition_id == new_form
    client = client_as("qiye")
    assert "工业用水重复利用率" in client.get(f"/declarations/green_supply_chain/content/{new_id}").get_data(as_text=True)
    old_page = client.get(f"/declarations/green_supply_chain/content/{old_id}").get_data(as_text=True)
    assert "工业用水重复利用率" not in old_page and "2026.2" in old_page  # the old draft renders its own version
    refused = post_form(client, f"/declarations/green_supply_chain/content/{new_id}", **{"f|basic|water_reuse": "很高"})
    assert refused.status_code == 200 and "工业用水重复利用率应为数字" in refused.get_data(as_text=True)
    saved = post_form(client, f"/declarations/green_supply_chain/content/{new_id}", **{"f|basic|water_reuse": "82.5"})
    assert saved.status_code == 302
    page = client.get(f"/declarations/green_supply_chain/content/{new_id}").get_data(as_text=True)
    assert re.search(r'class="indicator-score">3\.00<', page)  # 6 × (82.5 − 70) / (95 − 70)


def test_a_window_cannot_take_another_types_version(client_as, app):
    admin = client_as("admin")
    with app.app_context():
        energy = db.session.scalar(select(DeclarationType.id).where(DeclarationType.code == "energy_saving_tech"))
        factory = db.session.scalar(select(FormDefinition.id).join(DeclarationType).where(
            DeclarationType.code == "green_factory"))
    form_page = admin.get("/console/batches/new/").get_data(as_text=True)
    refused = admin.post("/console/batches/new/", data={
        "csrf_token": csrf_token(form_page), "year": "2026", "name": "第十二批", "tier": "national",
        "notice_no": "x", "windows-0-declaration_type": str(energy), "windows-0-opens_on": "2026-12-01",
        "windows-0-closes_on": "2026-12-31", "windows-0-form_definition": str(factory)})
    assert refused.status_code == 200 and "属于其他申报类型" in refused.get_data(as_text=True)


def test_the_2025_green_factory_is_loaded_beside_2018_and_renders(client_as, app):
    with app.app_context():
        factory = db.session.scalar(select(DeclarationType).where(DeclarationType.code == "green_factory"))
        versions = dict(db.session.execute(select(FormDefinition.version, FormDefinition.id).where(
            FormDefinition.declaration_type_id == factory.id)).all())
        assert {"2026.2", "2026.3"} <= set(versions)
        windows = db.session.scalars(select(BatchWindow).where(BatchWindow.declaration_type_id == factory.id,
                                                               BatchWindow.batch_id == f.first_batch().id)).all()
        assert windows and all(w.form_definition_id == versions["2026.2"] for w in windows)  # the seeded batch keeps 2018
        batch = f.Batch(name="第十三批", year=2026, notice_no="x", tier="national",
                        owner_id=f.first_batch().owner_id)
        batch.windows.append(BatchWindow(declaration_type_id=factory.id, opens_on=f.NOW.date(),
                                         closes_on=f.NOW.date().replace(year=2099), form_definition_id=versions["2026.3"]))
        db.session.add(batch)
        db.session.flush()
        declaration = lifecycle.create(db.session, f.actor_of("qiye"), factory, batch, f.NOW)
        db.session.commit()
        pk = declaration.id
    client = client_as("qiye")
    html = client.get(f"/declarations/green_factory/content/{pk}").get_data(as_text=True)
    for text in ("能源低碳化", "用地集约化", "单位产品综合能耗与行业能耗限额基准值之比", "基准值 100%，引领值 80%，越低越好", "2026.3"):
        assert text in html
    book = load_workbook(io.BytesIO(client.get(f"/declarations/green_factory/workbook/{pk}").data))
    assert "附表2能源低碳化" in book.sheetnames
    assert client.get(f"/declarations/green_factory/print/{pk}").status_code == 200


def test_only_it_staff_upload_preview_or_publish(client_as, app):
    text = json.dumps(definition("2027.9"), ensure_ascii=False)
    for username in ("qiye", "hebeisheng", "gongxinbu", "sanfang"):
        client = client_as(username)
        assert client.get(f"{BASE}/upload/").status_code == 403
        for url in ("upload/", "preview-workbook/", "publish/"):
            assert client.post(f"{BASE}/{url}", data={"csrf_token": session_token(client),
                                                      "definition": text}).status_code == 403, (username, url)
    with app.app_context():
        assert not db.session.scalar(select(FormDefinition).where(FormDefinition.version == "2027.9"))


def test_a_filing_form_is_previewed_as_the_listed_unit_sees_it_with_its_answers_needing_attention(client_as):
    """A 动态管理表 is no batch's 申报书: the preview says which windows take it and lists its 需关注 answers."""
    data = json.loads((SEEDS / "green_factory_filing_2025_2.json").read_text(encoding="utf-8"))
    data["version"] = "2027.9"
    html = upload(client_as("admin"), json.dumps(data, ensure_ascii=False)).get_data(as_text=True)
    assert "检查通过，尚未发布" in html, text_of(html)[-2000:]
    text = text_of(html)
    assert "发布后新开的动态管理填报窗口默认使用此版本" in text and "新建批次" not in text
    assert "名单单位看到的动态管理表（空白）" in text and "申报单位看到的申报书" not in text
    assert "需关注的答案" in text and "报告期内是否发生较大及以上安全、环保、质量事故 是" in text
