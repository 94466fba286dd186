"""Fixtures shared by the HTTP tests."""
import pytest

from app.extensions import db
from app.models import Attachment
from tests import factories as f


@pytest.fixture(scope="module")
def declarations(app):
    """d1 绿源 in review through 长安 → 石家庄 → 河北; d2 绿源's draft; d3 宝武 through its group; d4 深圳.
    They stay until the module's database goes."""
    with app.app_context():
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        baowu = f.organization("宝武绿色材料（河北）有限公司")
        agency = f.organization("河北绿标认证评价有限公司")
        shenzhen_org = f.make_organization("深圳市测试电子有限公司", "440304", "MA5F0K1L")
        ids = {
            "d1": f.declaration(lvyuan, agency=agency, chain=(
                f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))).id,
            "d2": f.declaration(lvyuan, submitted=False, agency=agency).id,
            "d3": f.declaration(baowu, channel="group", chain=(
                None, None, f.authority("group", name="中国宝武钢铁集团有限公司"))).id,
            "d4": f.declaration(shenzhen_org, chain=(
                f.authority("county", "440304"), None, f.authority("province", "440300"))).id,
        }
        report = Attachment(purpose="evaluation_report", storage_key=f"matrix/{ids['d1']}.pdf", original_name="报告.pdf",
                            content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=ids["d1"])
        db.session.add(report)
        db.session.commit()
        ids["d1_report"] = report.id
    return ids
