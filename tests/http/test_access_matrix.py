"""The access matrix (SPEC §6), generated from `app.url_map`: every rule and method, for every demo account and the
anonymous visitor, with ids of other organizations', regions' and roles' declarations in every converter. The
answer is a refusal (401, 403, 404, 405, the login page, or a redirect with a Chinese refusal), never data of another
scope, and nothing changes: the row counts of every table, the declarations' versions and the files of the upload
folder are the same afterwards. A route added tomorrow is in the matrix the day it is added
(`test_a_new_endpoint_is_covered_the_day_it_is_added`); routes no generated value can reach are excluded by name,
with a reason, in tests/http/routes.py."""
from __future__ import annotations

import dataclasses
import io
import os

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.domain.lifecycle import TRANSITIONS
from app.extensions import db
from app.models import Declaration
from tests.conftest import csrf_token
from tests.http.routes import USERS, Access, Route, is_integer, routes
from tests.http.test_scope import APPLICANT, VISIBLE, _only

ANONYMOUS = "anonymous"
REFUSED = {401, 403, 404, 405}  # 401: the REST API to a visitor without a session
FORM = {"opinion": "越权", "agency_id": "1", "score": "90", "basic_requirements": "符合", "highlights": "x",
        "decision": "approve", "batch_id": "0", "sha256": "0" * 64, "field": "attachments.licence",
        "f|basic|factory_name": "越权修改"}


@dataclasses.dataclass
class Case:
    route: Route
    url: str
    form: dict | None
    refused: bool  # True: must be refused; False: may answer, but without another scope's data


def marker(name: str) -> str:
    return f"越权标记{name}"


@pytest.fixture(scope="module")
def marked(app, declarations):
    """The module's declarations with a title no other row has, so that a page showing one is seen."""
    names = _only(declarations)
    with app.app_context():
        for name, pk in names.items():
            db.session.execute(update(Declaration).where(Declaration.id == pk).values(title=marker(name)))
        db.session.commit()
    yield declarations
    with app.app_context():
        db.session.execute(update(Declaration).where(Declaration.id.in_(names.values())).values(title=None))
        db.session.commit()


def declaration_arguments(route: Route) -> set[str]:
    """The converters that take a declaration id: `pk` of a view over declarations, and `declaration_id`."""
    found = {name for name in route.arguments if name == "declaration_id"}
    model = getattr(getattr(route.view, "datamodel", None), "obj", None)
    if "pk" in route.arguments and model is Declaration:
        found.add("pk")
    return found


def names_for(route: Route) -> list[str]:
    """Values for a `name` converter: every transition of the lifecycle, or every action of the view."""
    if route.endpoint.endswith(".action"):
        return sorted(getattr(route.view, "actions", {})) or ["approve"]
    return sorted(TRANSITIONS)


def cases(route: Route, may: bool, outside: list[int], report: int) -> list[Case]:
    """The requests of one account on one route. Ids of declarations it may not see fill the declaration
    converters; an attachment or import id is the other declaration's report."""
    scoped = declaration_arguments(route)
    arguments = route.arguments
    # arg-less posts of a declaration view carry declaration ids in the form, but for the permitted changes named
    # in LEFT_OUT (a job over the account's own list)
    in_form = route.method == "POST" and not arguments and _is_declaration_view(route) \
        and route.endpoint not in LEFT_OUT
    if may and not scoped and not in_form:
        if route.method != "GET":
            return []  # a permitted change with nothing of another scope in it: the lifecycle tests' matter
        values = {n: "1" for n in arguments}
        return [Case(route, route.url(values), None, refused=False)]
    result = []
    many = may and (scoped or in_form)  # FAB refuses the others before any id is read: one request says so
    names = names_for(route) if "name" in arguments else [None]
    # every outside id with the first name, and the first id with every name
    pairs = [(pk, names[0]) for pk in outside] + [(outside[0], name) for name in names[1:]] if many else \
        [(outside[0], names[0])]
    for pk, name in pairs:
        if True:
            values = {}
            for argument, converter in arguments.items():
                if argument in scoped:
                    values[argument] = str(pk)
                elif argument == "name":
                    values[argument] = name
                elif is_integer(converter) or argument == "pk":
                    values[argument] = str(report)
                else:
                    values[argument] = "letter" if argument == "which" else "1"
            form = None if route.method == "GET" else {**FORM, "rowid": str(pk), "action": name or "approve"}
            # arg-less posts of a declaration view (decide, action_post, create) carry the id in the form: refused,
            # or answered with a Chinese refusal and nothing changed (checked after the account's run)
            result.append(Case(route, route.url(values), form, refused=bool(scoped) or not may))
    return result


def _is_declaration_view(route: Route) -> bool:
    return getattr(getattr(route.view, "datamodel", None), "obj", None) is Declaration


def table_counts(app: Flask) -> dict[str, int]:
    """Every table's rows: the mappings are on Flask-AppBuilder's metadata (db.Model's is empty)."""
    from flask_appbuilder import Model

    with app.app_context():
        tables = Model.metadata.sorted_tables
        assert tables, "no tables to count"
        return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in tables}


def upload_files(app: Flask) -> set[str]:
    root = app.config["UPLOAD_DIR"]
    return {os.path.join(path, name) for path, _, names in os.walk(root) for name in names}


def versions(app: Flask, ids) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(select(Declaration.id, Declaration.version).where(Declaration.id.in_(ids))).all())


def run(app: Flask, client, username: str, cases_: list[Case], foreign: list[str]) -> list[str]:
    """Send every case; the answers that are not refusals or that show another scope's data."""
    token = csrf_token(client.get("/login/" if username == ANONYMOUS else "/profile/password/").get_data(as_text=True))
    failures = []
    for case in cases_:
        if case.form is None:
            response = client.open(case.url, method=case.route.method)
        else:
            form = {**case.form, "csrf_token": token, "workbook": (io.BytesIO(b"PK"), "x.xlsx"),
                    "file": (io.BytesIO(b"%PDF-1.4 %%EOF"), "x.pdf")}
            response = client.open(case.url, method=case.route.method, data=form, content_type="multipart/form-data")
        status = response.status_code
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
        shown = [m for m in foreign if m in body]
        to_login = status == 302 and "/login" in response.headers.get("Location", "")
        if shown:
            failures.append(f"{username} {case.route.method} {case.url}: {status} shows {shown}")
        elif status >= 500:
            failures.append(f"{username} {case.route.method} {case.url}: {status}")
        elif case.refused and not (status in REFUSED or to_login or (status == 302 and case.form is not None)):
            failures.append(f"{username} {case.route.method} {case.url}: {status}, not refused")
    return failures


def matrix(app: Flask, username: str, declarations, access: Access) -> list[Case]:
    ids = _only(declarations)
    visible = VISIBLE.get(username, (None, set()))[1]
    outside = [pk for name, pk in ids.items() if name not in visible]
    user = None if username == ANONYMOUS else username
    return [case for route in routes(app)
            if "logout" not in route.endpoint
            for case in cases(route, access.may(user, route), outside, declarations["d1_report"])]


@pytest.mark.parametrize("username", [*USERS, ANONYMOUS])
def test_every_route_refuses_other_scopes_and_changes_nothing(app, client_as, marked, username):
    client = app.test_client() if username == ANONYMOUS else client_as(username)
    access = Access(app)
    ids = _only(marked)
    visible = VISIBLE.get(username, (None, set()))[1]
    foreign = [marker(name) for name in ids if name not in visible]
    generated = matrix(app, username, marked, access)
    counts, files, before = table_counts(app), upload_files(app), versions(app, ids.values())

    failures = run(app, client, username, generated, foreign)

    assert not failures, f"{len(failures)} of {len(generated)}:\n" + "\n".join(failures[:40])
    assert versions(app, ids.values()) == before
    assert table_counts(app) == counts
    assert upload_files(app) == files
    covered = {(case.route.endpoint, case.route.method) for case in generated}
    every = {(route.endpoint, route.method) for route in routes(app) if "logout" not in route.endpoint}
    left_out = {endpoint for endpoint, _ in every - covered}
    unnamed = sorted(e for e in left_out if e not in LEFT_OUT and not e.startswith(LEFT_OUT_FAMILIES))
    assert not unnamed, f"{username}: permitted changes the matrix does not send, and LEFT_OUT does not name: {unnamed}"


# The permitted changes the matrix does not send (their own tests do), by endpoint, with why; a new one fails above
# until it is named here. Changes an account may not make are always sent, and must be refused.
LEFT_OUT = {
    "LoginView.login": "signing in: tests/http/test_sign_in.py",
    "RegistrationView.register": "registering a new organization: tests/http/test_registration_fuzz.py",
    "ProfileView.organization": "the person's own organization: no other scope's id in it",
    "ProfileView.password": "the person's own password: tests/http/test_sign_in.py",
    "ProfileView.switch": "to one of the person's own organizations: tests/http/test_scope.py",
    "ResetMyPasswordView.this_form_post": "FAB's own-password form: no other scope's id in it",
    "UserInfoEditView.this_form_post": "FAB's own-details form: no other scope's id in it",
    "ResetPasswordView.this_form_post": "IT staff resetting a password: tests/http/test_user_admin.py",
    # a package's or a publicity's id, not a declaration's: another authority's is refused by
    # tests/http/test_recommendation_views.py::test_other_authorities_get_404_or_403_and_change_nothing
    "PublicationView.start": "the ministry's publicity of a batch",
    "PublicationView.publish": "the ministry's publication of a batch",
    "RecommendationPackageView.rank_members": "an authority's own package",
    "RecommendationPackageView.submit": "an authority's own package",
    "RecommendationPackageView.upload": "an authority's own package",
    "RecommendationPackageView.withdraw": "an authority's own package",
    # background jobs over the account's own scope, which no id names (the list's filters, the owner's package or
    # publication): tests/http/test_jobs.py; another authority's package or publication: test_recommendation_views.py
    "ReviewDeclarationView.export": "a job exporting the reviewer's own list (its filters, no id)",
    "PublicationView.export": "a job exporting the batch owner's own publication",
    "RecommendationPackageView.summary_table": "a job generating an authority's own 推荐汇总表",
    # an agency's id, not a declaration's: another province's agency is 404 in tests/http/test_agency.py
    "AgencySupervisionView.spot_check": "a spot check of an agency in the supervisor's scope",
    "AgencySupervisionView.suspend": "the ministry's 不再采信 of an agency",
    "AgencySupervisionView.lift": "the ministry ending a 不再采信 early",
    "AgencyOwnView.report": "the agency's own annual work report",
    # 动态管理: filings hang off listed units, not declarations; another organization's or province's filing, unit and
    # message get 404: tests/http/test_filing.py
    "FilingView.start": "a filing of the organization's own listed unit",
    "FilingView.edit": "the organization's own filing",
    "MessageView.read": "the person's own message",
    "MessageView.read_all": "the person's own messages",
    # a listed unit's id, not a declaration's: another province's unit gets 404 for the page and every transition in
    # tests/http/test_recheck.py::test_another_provinces_unit_is_404_for_the_page_and_every_action
    "ListedUnitView.act": "a 复核 step on a listed unit of the reviewer's own scope",
    # an authority's own rounds, which no id names: tests/http/test_tiers.py (404 for authorities without any)
    "RoundsView.create": "a batch of the reviewer's own authority",
    "RoundsView.setting": "a province's own setting of who runs its city tier",
}
# Families of endpoints left out for whoever may use them: IT staff's reference data, accounts and console
# (tests/http/test_console.py, test_user_admin.py, test_reference_data.py), and FAB's bulk actions of lists.
LEFT_OUT_FAMILIES = ("console", "UserAdminView.", "GroupView.", "BuiltinRoleView.", "RecommendationPackageView.action",
                     "AuthorityReferenceView.action", "BatchReferenceView.action", "DeclarationTypeReferenceView.action",
                     "IndustryReferenceView.action", "RegionReferenceView.action", "SubsystemReferenceView.action")


def test_every_left_out_endpoint_exists(app):
    """A name in LEFT_OUT outlives its route only by mistake."""
    endpoints = {route.endpoint for route in routes(app)}
    assert not set(LEFT_OUT) - endpoints
    assert all(any(e.startswith(family) for e in endpoints) for family in LEFT_OUT_FAMILIES)


def test_a_new_endpoint_is_covered_the_day_it_is_added(app, marked):
    """A view added without a scope check leaks: the generated matrix sends it another scope's id and sees it."""
    from app import create_app

    probe_app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                           UPLOAD_DIR=app.config["UPLOAD_DIR"])
    def leak(pk):
        return db.session.get(Declaration, pk).title or ""

    probe_app.add_url_rule("/review/declarations/leak/<int:pk>", "ReviewDeclarationView.leak", leak)
    added = [r for r in routes(probe_app) if r.endpoint == "ReviewDeclarationView.leak"]
    assert added, "the new rule is in the generated routes"
    generated = [c for c in matrix(probe_app, "changan", marked, Access(probe_app)) if c.route.endpoint.endswith(".leak")]
    assert {c.url for c in generated} == {f"/review/declarations/leak/{marked[n]}" for n in ("d2", "d3", "d4")}
    client = probe_app.test_client()
    from tests.conftest import login

    login(client, "changan")
    failures = run(probe_app, client, "changan", generated, [marker(n) for n in ("d2", "d3", "d4")])
    assert len(failures) == 3 and all("shows" in f for f in failures)
    with probe_app.app_context():
        db.engine.dispose()


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
