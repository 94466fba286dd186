"""The REST API: no other scope's names anywhere (its metadata, the pages' own dropdowns and filters), a 400 with
a JSON message for every `q`, and its OpenAPI description for every signed-in role."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.domain.scope import Actor, declaration_scope
from app.extensions import db
from app.models import Declaration, Organization, PackageEvent, RecommendationPackage
from app.models.organization import PlatformUser
from app.views.base import audience_of

API = "/api/v1/declarations"
ROLES = ["qiye", "changan", "sanfang", "gongxinbu", "jituan", "xiehui"]


def foreign_names(username: str) -> set[str]:
    """Names of the organizations `username` neither belongs to nor sees a declaration of (as applicant or
    agency). Authorities are no secret: registration lists them all, to choose one's 上级主管部门."""
    user = db.session.scalar(select(PlatformUser).where(PlatformUser.username == username))
    scope = declaration_scope(Actor.of(user), audience_of(user))
    seen = db.session.execute(select(Declaration.organization_id, Declaration.agency_id).where(scope)).all()
    organizations = {m.organization_id for m in user.memberships} | {pk for row in seen for pk in row}
    return {name for pk, name in db.session.execute(select(Organization.id, Organization.name))
            if pk not in organizations}


@pytest.fixture(scope="module")
def package(app):
    """The id of a package of 河北省 (hebeisheng's) holding one declaration; removed afterwards if it is new."""
    from tests import factories as f

    with app.app_context():
        before = set(db.session.scalars(select(RecommendationPackage.id)))
        ids = [row.id for row in f.in_package()]
        db.session.commit()
        package_id = db.session.scalar(select(Declaration.package_id).where(Declaration.id == ids[0]))
    yield package_id
    with app.app_context():
        f.remove(ids)
        if package_id not in before:
            db.session.execute(delete(PackageEvent).where(PackageEvent.package_id == package_id))
            db.session.execute(delete(RecommendationPackage).where(RecommendationPackage.id == package_id))
        db.session.commit()


# --- the leak ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ROLES)
def test_info_lists_no_related_rows(username, client_as, declarations, package, db_session):
    """FAB's _info listed every organization, batch, type, package and review step as add/edit choices."""
    response = client_as(username).get(f"{API}/_info")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"filters", "permissions"}
    assert body["permissions"] == ["can_read"]
    text = json.dumps(body, ensure_ascii=False)
    assert "values" not in text
    leaked = {name for name in foreign_names(username) if name in text}
    assert not leaked


@pytest.mark.parametrize("keys", ["add_columns", "edit_columns", "add_title"])
def test_info_refuses_the_add_and_edit_keys(keys, client_as):
    response = client_as("changan").get(f"{API}/_info?q=(keys:!({keys}))")
    assert response.status_code == 400 and response.get_json()["message"]


def _pages_without_arguments(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/static", "/logout", "/lang")):
            yield rule.rule


# Pages that name other organizations by design: the public 绿色制造名单 (and its export) lists every listed unit to
# everyone; tests/http/test_tiers.py checks that it shows nothing a published list does not.
PUBLISHED = {"/minglu/", "/minglu/export"}


@pytest.mark.parametrize("username", ["qiye", "changan", "sanfang", "yuanqu", "jituan"])
def test_no_page_or_widget_names_another_scope(username, app, client_as, declarations, package, db_session):
    """Every page without an id (lists with their search and filter widgets, add forms, the API): what the role
    reaches names no organization or package authority outside its scope; pages it may not open say nothing."""
    client = client_as(username)
    foreign = foreign_names(username)
    assert foreign  # the fixtures put other scopes' rows in the database
    packages = {f"/recommendations/show/{package}", "河北省工业和信息化厅"}  # a package's link, its 推荐单位
    for path in sorted(_pages_without_arguments(app)):
        if path in PUBLISHED:
            continue
        for query in ("", "?tab=all&psize_ReviewDeclarationView=100"):
            response = client.get(path + query)
            if not (response.mimetype.startswith("text/") or response.is_json):
                continue  # the captcha image; the review export is the list's rows, checked by its own tests
            text = response.get_data(as_text=True)
            if response.is_json:
                text = json.dumps(response.get_json(), ensure_ascii=False)
            leaked = {name for name in foreign if name in text}
            if path.startswith(("/recommendations/", "/api/")):
                leaked |= {name for name in packages if name in text}
            assert not leaked, (path + query, response.status_code, leaked)


def test_the_api_routes_are_these_only(app):
    """FAB's ModelViews add no /api/ routes of their own (FAB 5 has no RestCRUDView); a new API endpoint is
    a decision to look at here, with its scope."""
    routes = {(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == {
        ("/api/v1/declarations/", "DeclarationApi.get_list"),
        ("/api/v1/declarations/<int:pk>", "DeclarationApi.get"),
        ("/api/v1/declarations/_info", "DeclarationApi.info"),
        ("/api/v1/_openapi", "ApiDescription.get"),
    }


def test_a_token_is_no_way_in(app):
    """Only the session signs a request in: a valid JWT for a real user (FAB's token login is closed, but its
    JWT manager still reads the header) opens nothing, and callers without a session get 401 with a JSON message."""
    from flask_jwt_extended import create_access_token

    client = app.test_client()
    with app.app_context():
        changan = db.session.scalar(select(PlatformUser.id).where(PlatformUser.username == "changan"))
        valid = create_access_token(identity=str(changan), fresh=True)
    for token in (valid, "not-a-token", None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for path in (f"{API}/", f"{API}/_info", f"{API}/1", "/api/v1/_openapi"):
            response = client.get(path, headers=headers)
            assert response.status_code == 401 and response.get_json()["message"] == "请先登录", path


# --- q --------------------------------------------------------------------------------------------------

BAD_Q = [
    "(" * 5000,
    "!(" * 3000,
    "[" * 5000,
    '{"a":' * 3000,
    "((((((((((",
    "(a:",
    "'",
    "!",
    "(page:-1)",
    "(page:99999999999999999999999)",
    "(page_size:0)",
    "(page:'x')",
    "(order_column:unit_name)",
    "(order_direction:up)",
    "(columns:!(organization.name))",
    "(keys:!(add_columns))",
    "(select_columns:!(id),columns:!(id))",
    "(filters:!((col:organization_id,opr:eq,value:1)))",
    "(filters:!((col:status,opr:eq,value:bogus)))",
    "(filters:!((col:status,opr:eqf,value:x)))",
    "(filters:!((col:unit_name,opr:eq,value:1)))",
    "(filters:!((col:unit_name,opr:in,value:'x')))",
    "(filters:!((col:submitted_at,opr:gt,value:yesterday)))",
    "(filters:!((col:submitted_at,opr:gt,value:'2026-02-30T00:00:00Z')))",
    "(filters:!((col:unit_name,opr:ct)))",
    '{"filters": [{"col": "unit_name", "opr": "ct", "value": "\\ud800"}]}',
    '{"filters": [{"col": "unit_name", "opr": "ct", "value": "a\\u0000b"}]}',
    "a\x00b",
    '"just a string"',
    "!(1,2)",
    "1e1000000",
]


@pytest.mark.parametrize("q", BAD_Q)
def test_an_unreadable_q_is_a_400_that_says_why(q, client_as):
    client = client_as("changan")
    for path in (f"{API}/", f"{API}/_info", f"{API}/1"):
        response = client.get(f"{path}?q={quote(q)}")
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:300])
        assert response.is_json and response.get_json()["message"]


GOOD_Q = [
    "(filters:!((col:unit_name,opr:ew,value:'\\')))",  # PostgreSQL's LIKE would read the backslash as an escape
    "(filters:!((col:unit_name,opr:ct,value:'100%_')))",
    "(filters:!((col:unit_name,opr:in,value:!('石家庄绿源机械制造有限公司'))))",
    "(filters:!((col:submitted_at,opr:gt,value:'0001-01-01T00:00:00+23:59')))",  # before year 1 in UTC
    "(filters:!((col:submitted_at,opr:lt,value:'9999-12-31T23:59:59.999999999-23:59')))",
    "(filters:!((col:status,opr:neq,value:draft)),order_column:submitted_at,order_direction:desc,page:1000000)",
    '{"page": 0, "page_size": 100, "columns": ["id", "batch.name"]}',
]


@pytest.mark.parametrize("q", GOOD_Q)
def test_edge_values_of_q_are_answered(q, client_as, declarations):
    response = client_as("changan").get(f"{API}/?q={quote(q)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_filters_narrow_within_the_scope(client_as, declarations):
    client = client_as("gongxinbu")
    q = "(filters:!((col:unit_name,opr:sw,value:'深圳市测试')),keys:!(none))"
    body = client.get(f"{API}/?q={quote(q)}").get_json()
    assert body["ids"] == [declarations["d4"]] and body["count"] == 1
    assert client_as("changan").get(f"{API}/?q={quote(q)}").get_json()["ids"] == []
    assert client_as("changan").get(f"{API}/{declarations['d4']}").status_code == 404


RISON = st.text(alphabet=st.sampled_from("()!:,'[]{}\"\\ ~*a1-é\x00%"), max_size=60)
KEYS = st.sampled_from(["filters", "col", "opr", "value", "page", "page_size", "keys", "columns", "order_column", "x"])


def _nested(inner):
    return st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8), _nested,
                       max_leaves=12)


def test_no_q_gets_a_500(client_as, declarations):
    """Whatever `q` says, rison soup or JSON of any shape: 200, or 400 with a JSON message."""
    client = client_as("changan")

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(q=RISON | JSONISH.map(json.dumps), path=st.sampled_from([f"{API}/", f"{API}/_info",
                                                                    f"{API}/{declarations['d1']}"]))
    def check(q, path):
        response = client.get(f"{path}?q={quote(q)}")
        assert response.status_code in (200, 400), (q, response.get_data(as_text=True)[:300])
        assert response.is_json
        if response.status_code == 400:
            assert response.get_json()["message"]

    check()
