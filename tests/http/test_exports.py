"""List exports: the same scope and filters as the page, every matching row, formulas neutralised."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Declaration
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
