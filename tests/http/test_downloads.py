"""Downloads are named as the person named the file, end in the extension of the type found in the content, and
carry the name in UTF-8 (RFC 6266) so that Chinese survives every browser."""
import uuid
from urllib.parse import unquote

import pytest

from app.extensions import db
from app.storage import store
from tests import factories as f

TECH = "/declarations/energy_saving_tech"
PDF = b"%PDF-1.4\n% evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def attachments(app):
    """Files of one draft, stored as the upload checks leave them: a generated key ending in the sniffed type."""
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech", f.new_batch(f"下载{uuid.uuid4().hex[:8]}"))
        stored = {name: store(PDF, original_name=name, purpose="form_file", content_type="application/pdf",
                              extension=".pdf", declaration_id=declaration.id,
                              organization_id=declaration.organization_id).id
                  for name in ("licence.pdf.exe", "绿色工厂自评价报告（2026）.pdf", "方案v1.2")}
        db.session.commit()
        declaration_id = declaration.id
    yield declaration_id, stored
    with app.app_context():
        f.remove([declaration_id])


@pytest.mark.parametrize("original, saved_as, fallback", [
    ("licence.pdf.exe", "licence.pdf", "licence.pdf"),
    ("绿色工厂自评价报告（2026）.pdf", "绿色工厂自评价报告（2026）.pdf", "2026.pdf"),
    ("方案v1.2", "方案v1.2.pdf", "v1.2.pdf"),
])
def test_a_download_is_named_after_its_content(client_as, attachments, original, saved_as, fallback):
    declaration_id, stored = attachments
    response = client_as("qiye").get(f"{TECH}/download/{declaration_id}/{stored[original]}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="{fallback}"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == saved_as
    assert response.headers["X-Content-Type-Options"] == "nosniff"
