"""List exports: the same scope and filters as the page, every matching row, formulas neutralised."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.domain import dossier
from app.models import Declaration, Industry
from tests import factories as f


def exported(client, query=""):
    response = client.get(f"/review/declarations/export/{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:], sheet


def test_export_follows_scope_and_filters(app, client_as):
    with app.app_context():
        mine = f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye")
        mine.unit_name = "=cmd|' /C calc'!A0"
        db.session.commit()
        mine_id = mine.id
        changan = f.authority("county", "130102").id
    header, rows, sheet = exported(client_as("changan"), "?tab=all")
    assert header[:3] == ("编号", "单位名称", "申报名称")
    ids = [row[0] for row in rows]
    assert mine_id in ids
    with app.app_context():
        counties = set(db.session.scalars(select(Declaration.county_authority_id).where(Declaration.id.in_(ids))))
    assert counties == {changan}  # nothing outside 长安's scope
    formula_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == mine_id)
    assert formula_row[1].data_type == "s" and formula_row[1].value.startswith("=")
    _, pending, _ = exported(client_as("changan"))  # the default tab: 待我审核
    assert mine_id in [row[0] for row in pending]
    _, none, _ = exported(client_as("changan"), "?tab=all&status=approved&batch=999999")
    assert none == []
    _, elsewhere, _ = exported(client_as("jituan"), "?tab=all")
    assert mine_id not in [row[0] for row in elsewhere]


def test_applicants_cannot_export_the_review_list(client_as):
    assert client_as("qiye").get("/review/declarations/export/").status_code == 403


def test_export_names_the_unit_its_place_industry_contacts_and_score(app, client_as):
    """统一社会信用代码, 所在地区 in full, 所属行业 with its code, 联系人 and 联系电话 from the form (else the legal
    representative), 评价得分, in columns wide enough to read."""
    from app.domain import recommendation

    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech")
        declaration.form_data = {**declaration.form_data,
                                 "basic": {**declaration.form_data["basic"], "contact": "张联系",
                                           "contact_phone": "0311-86001234"}}
        declaration.score = 91.5
        f.act(declaration, "submit", "qiye")
        bare = f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye")
        bare.form_data = {**bare.form_data, "basic": {**bare.form_data["basic"], "contact": "", "contact_phone": ""}}
        db.session.commit()
        pk, bare_pk = declaration.id, bare.id
        organization = f.organization("石家庄绿源机械制造有限公司")
        credit_code, legal = organization.credit_code, organization.legal_representative
        legal_phone = organization.legal_representative_phone
        industry = db.session.get(Industry, declaration.industry_id)
    header, rows, sheet = exported(client_as("hebeisheng"), "?tab=all")
    assert [h for h in header[3:6]] == ["统一社会信用代码", "所在地区", "所属行业"]
    assert list(header[-3:]) == ["评价得分", "联系人", "联系电话"]
    row = dict(zip(header, next(r for r in rows if r[0] == pk)))
    assert row["统一社会信用代码"] == credit_code and row["所在地区"] == "河北省石家庄市长安区"
    assert row["所属行业"] == f"{industry.code} {industry.name}"
    assert (row["联系人"], row["联系电话"], row["评价得分"]) == ("张联系", "0311-86001234", 91.5)
    fallback = dict(zip(header, next(r for r in rows if r[0] == bare_pk)))
    assert (fallback["联系人"], fallback["联系电话"]) == (legal or "", legal_phone or "")
    assert sheet.column_dimensions["B"].width >= 30 and sheet.column_dimensions["D"].width >= 20
    assert all(dossier.CONTACT_SECTION in definition for definition in _contact_sections())


def _contact_sections():
    """The section holding 联系人 and 联系电话 in each seeded form definition."""
    import json
    from pathlib import Path

    for path in Path(__file__).resolve().parents[2].joinpath("seeds", "forms").glob("*.json"):
        sections = json.loads(path.read_text(encoding="utf-8"))["sections"]
        yield {s["key"] for s in sections if {"contact", "contact_phone"} <= {i["key"] for i in s.get("fields", [])}}


def test_an_export_costs_the_same_statements_for_any_number_of_rows(app, client_as):
    from tests.http.test_list_queries import counting

    client = client_as("hebeisheng")
    client.get("/review/declarations/export/?tab=all")  # warm: the region names are shared per process
    with counting(app) as few:
        client.get("/review/declarations/export/?tab=all&status=under_review&batch=999999")
    with counting(app) as many:
        client.get("/review/declarations/export/?tab=all")
    assert len(few) == len(many)
