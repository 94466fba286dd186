"""URL values no database column can take, and Flask-AppBuilder's list and action arguments, answer as a
person expects (404, the first or last page, the list without the junk) and never with a 500."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.models import Region
from tests.conftest import csrf_token
from tests.helpers import session_token

HUGE = ("2147483648", "9223372036854775808", "99999999999999999999999")


@pytest.mark.parametrize("url", [
    "/declarations/green_factory/show/{}", "/declarations/green_factory/dossier/{}",
    "/declarations/green_factory/download/1/{}", "/review/declarations/show/{}", "/recommendations/show/{}",
    "/publications/batch/{}", "/reference/regions/show/{}", "/reference/regions/edit/{}",
    "/reference/regions/delete/{}", "/users/show/{}", "/users/edit/{}", "/roles/show/{}",
])
def test_ids_beyond_the_integer_range_are_404(client_as, url):
    client = client_as("admin")
    for pk in HUGE + ("abc", "字"):
        if "download/1/" in url and not pk.isdigit():
            continue
        assert client.get(url.format(pk)).status_code == 404, url.format(pk)


def test_a_pk_beyond_the_range_in_the_rest_api_is_a_json_404(client_as):
    response = client_as("gongxinbu").get(f"/api/v1/declarations/{HUGE[1]}")
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", "", "9" * 30, "9" * 5000, "１"])
def test_page_and_page_size_arguments_of_any_form(client_as, value):
    client = client_as("admin")
    for view, url in (("RegionReferenceView", "/reference/regions/list/"), ("UserAdminView", "/users/list/")):
        for argument in ("page", "psize"):
            response = client.get(f"{url}?{argument}_{view}={value}")
            assert response.status_code == 200, (url, argument, value)


def test_a_page_beyond_the_last_shows_the_last(app, client_as):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Region))
    last_page = (count - 1) // 25
    html = client_as("admin").get(f"/reference/regions/list/?page_RegionReferenceView={10**9}").get_data(as_text=True)
    beyond = client_as("admin").get(f"/reference/regions/list/?page_RegionReferenceView={last_page}")
    rows = [line for line in html.splitlines() if "/reference/regions/show/" in line]
    assert rows and rows == [line for line in beyond.get_data(as_text=True).splitlines()
                             if "/reference/regions/show/" in line]


@pytest.mark.parametrize("query", [
    "_oc_RegionReferenceView=zzz&_od_RegionReferenceView=asc", "_oc_RegionReferenceView=[[(&_od_RegionReferenceView=desc",
    "_flt_9_level=1", "_flt_0_nowhere=1", "_flt_0_level=abc", "_flt_0_level=99999999999999999999", "_flt_0_name=[[((",
])
def test_order_and_filter_arguments_with_junk_show_the_list(client_as, query):
    assert client_as("admin").get(f"/reference/regions/list/?{query}").status_code == 200
    assert client_as("admin").get(f"/users/list/?{query.replace('RegionReferenceView', 'UserAdminView')}").status_code == 200


def test_single_row_action_with_an_unknown_or_bulk_only_name_is_404(client_as, declarations):
    client = client_as("gongxinbu")
    token = session_token(client)
    for name in ("zzz", "approve", "export"):
        response = client.post(f"/review/declarations/action/{name}/{declarations['d1']}", data={"csrf_token": token})
        assert response.status_code in (403, 404), name
    admin = client_as("admin")
    token = session_token(admin)
    assert admin.post("/users/action/zzz/1", data={"csrf_token": token}).status_code == 404


def test_the_error_page_renders_after_a_failed_statement(app):
    """On PostgreSQL a failed statement aborts the transaction, so an error page that reads the menu failed
    itself; after a failed flush SQLAlchemy refuses every statement on both databases until a rollback."""
    from flask_login import login_user

    from app.models import PlatformUser

    with app.test_request_context("/nowhere"):
        login_user(db.session.scalars(select(PlatformUser).where(PlatformUser.username == "admin")).one())
        app.preprocess_request()
        db.session.add(Region(code=None, name=None, level=None))
        with pytest.raises(IntegrityError):
            db.session.flush()
        handler = app._find_error_handler(NotFound(), [])
        response = handler(NotFound())
        assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("pk", ["abc", "2147483648", "9223372036854775808", "1.5"])
def test_console_ids_that_no_key_can_equal_are_no_row(app, client_as, pk):
    """PostgreSQL refuses to compare an integer key with text or a too large number: the console's edit,
    details and delete, and its ajax relation fields, must not ask it to."""
    admin = client_as("admin")
    page = admin.get("/console/regions/").get_data(as_text=True)
    token = csrf_token(page)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Region))
    for url in (f"/console/regions/edit/?id={pk}", f"/console/regions/details/?id={pk}", f"/console/audit/details/?id={pk}"):
        assert admin.get(url).status_code in (200, 302, 404), url
    assert admin.post("/console/regions/delete/", data={"id": pk, "csrf_token": token}).status_code in (200, 302)
    response = admin.post("/console/batches/new/", data={"year": "2026", "owner": pk,  # no name: refused
                                                        "csrf_token": token})
    assert response.status_code in (200, 302)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Region)) == before


def test_an_id_is_ascii_digits_within_the_integer_range():
    from app.web.ids import as_id

    assert [as_id(t) for t in ("1", "2147483647", "0012")] == [1, 2147483647, 12]
    assert [as_id(t) for t in ("2147483648", "１", "٣", "-1", "1.0", "", None, " 1", "9" * 40)] == [None] * 9
