"""A generated access matrix (SPEC §6): for every demo account and every page, action, download and API
endpoint that takes a declaration id, an id outside the account's scope gets 403 or 404 and changes
nothing. The ids are other organizations' and other regions' declarations."""
import io

import pytest
from sqlalchemy import select

from app.domain.lifecycle import TRANSITIONS
from app.extensions import db
from app.models import Declaration
from tests.conftest import csrf_token
from tests.http.test_scope import AGENCY, APPLICANT, REVIEW, VISIBLE, _only

VIEWS = (APPLICANT, AGENCY, REVIEW)
USERS = sorted(VISIBLE) + ["admin"]


def endpoints(pk: int, report: int):
    """(method, url, form) for everything that reads or changes one declaration."""
    for view in VIEWS:
        yield "GET", f"{view}/show/{pk}", None
        yield "GET", f"{view}/download/{pk}/{report}", None
        yield "GET", f"{view}/workbook/{pk}", None
        yield "GET", f"{view}/print/{pk}", None
        yield "GET", f"{view}/dossier/{pk}", None
        for name in TRANSITIONS:
            yield "POST", f"{view}/do/{pk}/{name}", {"opinion": "越权", "agency_id": "1", "score": "90",
                                                     "basic_requirements": "符合", "highlights": "x"}
    yield "GET", f"{APPLICANT}/content/{pk}", None
    yield "POST", f"{APPLICANT}/content/{pk}", {"f|basic|factory_name": "越权修改"}
    yield "POST", f"{APPLICANT}/upload-workbook/{pk}", {"workbook": (io.BytesIO(b"PK"), "x.xlsx")}
    yield "GET", f"{APPLICANT}/workbook-import/{pk}/{report}", None
    yield "POST", f"{APPLICANT}/workbook-import/{pk}/{report}/confirm", {"sha256": "0" * 64}
    yield "POST", f"{APPLICANT}/workbook-import/{pk}/{report}/cancel", {}
    yield "POST", f"{APPLICANT}/attach/{pk}", {"field": "attachments.licence", "file": (io.BytesIO(b"%PDF-1.4 %%EOF"), "x.pdf")}
    for decision in ("approve", "return", "reject"):
        yield "POST", f"{REVIEW}/decide", {"decision": decision, "rowid": str(pk), "opinion": "越权"}
        yield "POST", f"{REVIEW}/action_post", {"action": decision, "rowid": str(pk)}
    yield "GET", f"/api/v1/declarations/{pk}", None


def versions(app, ids):
    with app.app_context():
        return dict(db.session.execute(select(Declaration.id, Declaration.version).where(Declaration.id.in_(ids))).all())


@pytest.mark.parametrize("username", USERS)
def test_ids_outside_the_scope_get_403_or_404_and_change_nothing(app, client_as, declarations, username):
    client = client_as(username)
    token = csrf_token(client.get("/profile/password/").get_data(as_text=True))
    ids = _only(declarations)
    outside = [pk for name, pk in ids.items() if name not in VISIBLE.get(username, (None, set()))[1]]
    before = versions(app, ids.values())
    checked = 0
    for pk in outside:
        for method, url, form in endpoints(pk, declarations["d1_report"]):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={**form, "csrf_token": token}, content_type="multipart/form-data")
            assert response.status_code in (403, 404), (method, url, response.status_code)
            checked += 1
    assert versions(app, ids.values()) == before
    assert checked == len(outside) * len(list(endpoints(0, 0)))


def test_the_api_lists_exactly_the_scope(client_as, declarations):
    for username, (_, visible) in VISIBLE.items():
        listed = set(client_as(username).get(
            "/api/v1/declarations/?q=(order_column:id,order_direction:desc,page_size:100)").get_json().get("ids", []))
        expected = {pk for name, pk in _only(declarations).items() if name in visible}
        assert expected <= listed, username
        assert not ({pk for pk in _only(declarations).values()} - expected) & listed, username


def test_a_download_needs_the_file_to_belong_to_the_declaration(client_as, declarations):
    """A file id of another declaration, through a declaration the user may see, is still 404."""
    qiye = client_as("qiye")
    assert qiye.get(f"{APPLICANT}/download/{declarations['d2']}/{declarations['d1_report']}").status_code == 404
