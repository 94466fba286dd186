"""Every audience opens a declaration in its scope from its own list, reads in the 申报书 what the applicant
typed, and downloads one of its files; a declaration outside its scope is 404."""
import uuid

import pytest
from sqlalchemy import select

from app.domain import lifecycle
from app.domain.scope import Audience
from app.extensions import db
from app.models import DeclarationType
from app.storage import store
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% dossier evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _declaration(username, type_code, batch, typed, **submit):
    """A declaration whose 技术/产品 name the applicant typed and whose required files are real stored PDFs."""
    declaration = f.drafted(username, type_code, batch)
    definition = lifecycle.definition_of(declaration)
    evidence = store(PDF, original_name=f"证明材料-{typed}.pdf", purpose="form_file", content_type="application/pdf",
                     extension=".pdf", declaration_id=declaration.id, organization_id=declaration.organization_id)
    values = {k: dict(v) for k, v in declaration.form_data.items()}
    for section, item in definition.all_fields():
        if item.kind == "file" and item.required:
            values[section.key][item.key] = [evidence.id]
    section, key = definition.title_field.split(".")
    values[section][key] = typed
    declaration.form_data = values
    if submit.pop("evaluate", False):
        f.act(declaration, "choose_agency", username, agency_id=f.organization("河北绿标认证评价有限公司").id)
        f.act(declaration, "request_evaluation", username)
    else:
        f.act(declaration, "submit", username, **submit)
    return declaration


@pytest.fixture(scope="module")
def routed(app):
    """One declaration per route: 地方 (县→市→省→部), 集团, 协会, and one sent to the third-party agency."""
    with app.app_context():
        batch = f.new_batch(f"申报书浏览{uuid.uuid4().hex[:6]}")
        baowu = f.organization("宝武绿色材料（河北）有限公司")
        tech = db.session.scalars(select(DeclarationType).where(DeclarationType.code == "energy_saving_tech")).one()
        if tech not in baowu.declaration_types:
            baowu.declaration_types.append(tech)
        ids = {
            "local": _declaration("qiye", "energy_saving_tech", batch, "地方渠道余热回收技术").id,
            "group": _declaration("yangqi", "energy_saving_tech", batch, "集团渠道高炉煤气利用技术", channel="group").id,
            "association": _declaration("qiye", "energy_saving_tech", batch, "协会渠道轧钢节能技术",
                                        channel="association",
                                        association_id=f.authority("association", name="中国钢铁工业协会").id).id,
            "agency": _declaration("qiye", "green_supply_chain", batch, "绿色供应链评价样本", evaluate=True).id,
        }
        db.session.commit()
    return ids


TYPED = {"local": "地方渠道余热回收技术", "group": "集团渠道高炉煤气利用技术", "association": "协会渠道轧钢节能技术",
         "agency": "绿色供应链评价样本"}
# who → (their list, the declaration they read, one they may not see)
AUDIENCES = {
    "qiye": ("/declarations/energy_saving_tech/list/", "local", "group"),
    "sanfang": ("/agency/declarations/list/", "agency", "local"),
    "changan": ("/review/declarations/list/?tab=all", "local", "group"),
    "shijiazhuang": ("/review/declarations/list/?tab=all", "local", "association"),
    "hebeisheng": ("/review/declarations/list/?tab=all", "local", "group"),
    "jituan": ("/review/declarations/list/?tab=all", "group", "local"),
    "xiehui": ("/review/declarations/list/?tab=all", "association", "local"),
    "gongxinbu": ("/review/declarations/list/?tab=all", "group", "agency"),  # a draft in evaluation: not submitted
}


@pytest.mark.parametrize("username", list(AUDIENCES))
def test_each_audience_reads_the_dossier_and_downloads_a_file(live_server, browser, routed, username):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    try:
        listing, mine, other = AUDIENCES[username]
        pk = routed[mine]
        sign_in(page, live_server, username)
        page.goto(f"{live_server}{listing}")
        page.locator(f"a[href$='/show/{pk}']").first.click()  # from the row in front of them
        page.get_by_role("link", name="查看申报书").click()
        page.wait_for_url(f"**/dossier/{pk}")
        assert page.get_by_text(TYPED[mine], exact=True).first.is_visible()
        screenshot(page, f"dossier-{username}")
        with page.expect_download() as download:
            page.locator("table.dossier-attachments a").first.click()
        assert download.value.suggested_filename.endswith(".pdf")
        assert open(download.value.path(), "rb").read() == PDF
        base = listing.split("/list/")[0]
        response = page.goto(f"{live_server}{base}/dossier/{routed[other]}")
        assert response.status == 404
    finally:
        context.close()
