"""The access matrix (SPEC §6), generated from `app.url_map`: every rule and method, for every demo account and the
anonymous visitor, with ids of what other organizations, regions and roles hold in every converter: declarations,
provinces' recommendation packages, batches and publications, people's export jobs, and after the list listed units, filings, messages,
agencies, 不再采信 and supervision files. The answer is a
refusal (401, 403, 404, 405, the login page, or a redirect with a Chinese refusal), never data of another
scope, and nothing changes: the row counts of every table, the rows of packages, jobs and the tables after the list, the
declarations' versions and the files of the upload folder are the same afterwards. A route added tomorrow is in the matrix the day it is added
(`test_a_new_endpoint_is_covered_the_day_it_is_added`); routes no generated value can reach are excluded by name,
with a reason, in tests/http/routes.py."""
from __future__ import annotations

import dataclasses
import io
import os
import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.domain import agency as agencies, filing as filings, messages, recheck
from app.domain.lifecycle import TRANSITIONS
from app.domain.scope import Actor
from app.extensions import db
from app.models import (Attachment, Batch, Declaration, Job, OrgType, PlatformUser, Publication,
                        RecommendationPackage)
from app.vocabulary import JobStatus, PackageState, PublicationStage
from tests import factories as f
from tests.conftest import csrf_token
from tests.filing_data import values, window
from tests.http.routes import USERS, Access, Route, is_integer, routes
from tests.http.test_scope import APPLICANT, VISIBLE as DECLARATIONS_VISIBLE, _only

ANONYMOUS = "anonymous"
REFUSED = {401, 403, 404, 405}  # 401: the REST API to a visitor without a session
FORM = {"opinion": "越权", "agency_id": "1", "score": "90", "basic_requirements": "符合", "highlights": "x",
        "decision": "approve", "batch_id": "0", "sha256": "0" * 64, "field": "attachments.licence",
        "f|basic|factory_name": "越权修改", "reason": "越权", "starts": "2000-01-01", "ends": "2000-01-02",
        "checked_on": "2000-01-01", "finding": "越权", "version": "1"}

# The kind of id a converter takes, by its name; `pk` is the kind its view shows (MODEL_KINDS, or a job of the
# jobs' page), and an `attachment_id` with no declaration beside it is a file of agency supervision (a spot
# check's or a report's).
KIND_OF_ARGUMENT = {"declaration_id": "declaration", "unit_id": "unit", "filing_id": "filing", "message_id": "message",
                    "agency_id": "agency", "suspension_id": "suspension", "batch_id": "batch",
                    "publication_id": "publication"}
# views whose ids anyone may read by design: the public 公示 pages show every publication whose publicity began
PUBLIC_VIEWS = ("PublicNoticeView.",)
# the first letters of a name in the fixtures, by kind: d1 is a declaration, u1 a listed unit, af4 an agency's file
MODEL_KINDS = {Declaration: "declaration", RecommendationPackage: "package"}
PREFIX = {"declaration": "d", "unit": "u", "filing": "f", "message": "m", "agency": "a", "suspension": "s",
          "agency_file": "af", "package": "p", "job": "j", "batch": "b", "publication": "n"}
# who may reach what beside the declarations of tests/http/test_scope.py
OTHERS_VISIBLE = {
    "qiye": {"u1", "f1", "m1"},
    "yangqi": {"u3", "f3", "m3"},
    "sanfang": {"a1", "af1"},  # its own spot checks, on its own page
    "changan": {"u1", "f1", "mc"},
    "shijiazhuang": {"u1", "f1"},
    # 河北省's package, not yet submitted; its own export; its own 省级 batch and that batch's publication
    "hebeisheng": {"u1", "f1", "a1", "af1", "p1", "j1", "b2", "n2"},
    "jituan": {"u3", "f3"},
    "gongxinbu": {"u1", "u3", "u4", "f1", "f3", "f4", "a1", "a4", "s4", "af1", "af4", "p4", "j2", "b1", "n1"},
}


def visible(username: str) -> set[str]:
    return DECLARATIONS_VISIBLE.get(username, (None, set()))[1] | OTHERS_VISIBLE.get(username, set())


def kind_of(name: str) -> str:
    return next(kind for kind, prefix in sorted(PREFIX.items(), key=lambda p: -len(p[1])) if name.startswith(prefix))


@dataclasses.dataclass
class Case:
    route: Route
    url: str
    form: dict | None
    refused: bool  # True: must be refused; False: may answer, but without another scope's data


def marker(name: str) -> str:
    return f"越权标记{name}"


@pytest.fixture(scope="module")
def others(app, declarations):
    """What the reviewers' work and the list leave, each with its marker where only its scope reads it: 河北省's
    recommendation package, and 广东's submitted to the ministry; a national batch in 公示 and 河北's 省级 batch, published
    (the demo's); an export job of 河北省's reviewer and one of the ministry's; listed units of 绿源 (河北's
    chain, 复核 by 河北), 宝武 (its group) and 深圳 (广东's), both in 复核 by the ministry; a filing of each in an open
    window; a message to each organization and to 长安's reviewer; 河北绿标 spot-checked by 河北 (the marker in its opinion), and a 广东 agency
    spot-checked and 不再采信 by the ministry. They stay until the module's database goes."""
    with app.app_context():
        now = f.NOW
        lvyuan, baowu = f.organization("石家庄绿源机械制造有限公司"), f.organization("宝武绿色材料（河北）有限公司")
        shenzhen = db.session.get(Declaration, declarations["d4"]).organization
        guangdong = (f.authority("county", "440304"), None, f.authority("province", "440300"))
        chains = {"u1": (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000")),
                  "u3": (None, None, f.authority("group", name="中国宝武钢铁集团有限公司")), "u4": guangdong}
        owners = {"u1": lvyuan, "u3": baowu, "u4": shenzhen}
        units = {name: f.listed_unit(owners[name], chain) for name, chain in chains.items()}
        starter = {"u1": "hebeisheng", "u3": "gongxinbu", "u4": "gongxinbu"}
        filers = {"u1": f.actor_of("qiye"), "u3": f.actor_of("yangqi"),
                  "u4": Actor(user_id=None, name="深圳测试", organization_id=shenzhen.id, org_type=OrgType.ENTERPRISE)}
        open_window = window()
        ids = {}
        for name, unit in units.items():
            recheck.apply(db.session, unit.id, "recheck", f.actor_of(starter[name]), now=now, opinion=marker(name))
            number = name[1:]
            ids[name] = unit.id
            filing = filings.start(db.session, open_window, unit, filers[name], now)
            assert not filings.save(db.session, filing, values(open_window, basic__main_products=marker(f"f{number}")),
                                    filers[name], now)
            filings.submit(db.session, filing, filers[name], now)
            ids[f"f{number}"] = filing.id
            ids[f"m{number}"] = messages.post(db.session, organization_id=owners[name].id, subject=marker(f"m{number}"),
                                              body="", now=now).id
        changan = db.session.scalar(select(PlatformUser.id).where(PlatformUser.username == "changan"))
        ids["mc"] = messages.post(db.session, user_id=changan, subject=marker("mc"), body="", now=now).id
        ids["window"] = open_window.id

        agency = f.organization("河北绿标认证评价有限公司")
        yueping = f.make_organization(f"粤评{uuid.uuid4().hex[:4]}", "440304", "MA5F0K4P")
        yueping.org_type, yueping.name = OrgType.AGENCY, "广东粤评越权测试有限公司"
        yueping.legal_representative, yueping.legal_representative_id_number = "林峰", "11010519491231002X"
        f.declaration(shenzhen, agency=yueping, chain=guangdong)
        for name, org, checker in (("1", agency, "hebeisheng"), ("4", yueping, "gongxinbu")):
            file = Attachment(purpose="spot_check", storage_key=f"matrix/af{name}.pdf", content_type="application/pdf",
                              original_name=f"{marker('af' + name)}.pdf", size=1, sha256="0" * 64)
            db.session.add(file)
            db.session.flush()
            agencies.record_spot_check(db.session, f.actor_of(checker), org, now, checked_on=now.date().isoformat(),
                                       declaration_ids=[], finding=agencies.FINDINGS[0], opinion=marker(f"a{name}"),
                                       attachment=file)
            ids[f"a{name}"], ids[f"af{name}"] = org.id, file.id
        day = now.date().isoformat()
        ids["s4"] = agencies.suspend(db.session, f.actor_of("gongxinbu"), yueping, now, starts=day, ends=day,
                                     reason=marker("s4")).id

        member = f.in_package(f.new_batch("越权测试批", "energy_saving_tech"))[0]
        ids["p1"] = member.package_id
        submitted = RecommendationPackage(batch_id=member.batch_id, declaration_type_id=member.declaration_type_id,
                                          authority_id=guangdong[2].id, state=PackageState.SUBMITTED, submitted_at=now)
        db.session.add(submitted)
        db.session.flush()
        ids["p4"] = submitted.id
        provincial = db.session.scalar(select(Batch).where(Batch.tier == "provincial", Batch.owner_id == chains["u1"][2].id))
        publicity = Publication(batch_id=member.batch_id, stage=PublicationStage.PUBLICITY, title="越权测试公示",
                                publicity_starts=now.date(), publicity_ends=now.date())
        db.session.add(publicity)
        db.session.flush()
        ids["b1"], ids["n1"] = member.batch_id, publicity.id
        ids["b2"] = provincial.id
        ids["n2"] = db.session.scalar(select(Publication.id).where(Publication.batch_id == provincial.id))
        for name, owner in (("j1", "hebeisheng"), ("j2", "gongxinbu")):
            file = Attachment(purpose="export", storage_key=f"matrix/{name}.xlsx", original_name=f"{marker(name)}.xlsx",
                              content_type="application/octet-stream", size=1, sha256="0" * 64)
            db.session.add(file)
            db.session.flush()
            job = Job(owner_id=f.actor_of(owner).user_id, kind="export", title=f"{marker(name)}.xlsx",
                      status=JobStatus.DONE, attachment_id=file.id, created_at=now, finished_at=now)
            db.session.add(job)
            db.session.flush()
            ids[name] = job.id
        db.session.commit()
    return ids


@pytest.fixture(scope="module")
def marked(app, declarations, others):
    """Every id the matrix sends, by name; the module's declarations with a title no other row has, so that a page
    showing one is seen."""
    names = _only(declarations)
    with app.app_context():
        for name, pk in names.items():
            db.session.execute(update(Declaration).where(Declaration.id == pk).values(title=marker(name)))
        db.session.commit()
    yield {**declarations, **others}
    with app.app_context():
        db.session.execute(update(Declaration).where(Declaration.id.in_(names.values())).values(title=None))
        db.session.commit()


def named(ids: dict) -> dict[str, int]:
    """The ids the matrix sends and looks for, by name (not the report or the window they need beside them)."""
    return {name: pk for name, pk in ids.items() if "_" not in name and name != "window"}


def scoped_arguments(route: Route) -> dict[str, str]:
    """The converters that take an id of a scoped kind, with the kind."""
    if route.endpoint.startswith(PUBLIC_VIEWS):
        return {}
    found = {name: KIND_OF_ARGUMENT[name] for name in route.arguments if name in KIND_OF_ARGUMENT}
    model = getattr(getattr(route.view, "datamodel", None), "obj", None)
    if "pk" in route.arguments and model in MODEL_KINDS:
        found["pk"] = MODEL_KINDS[model]
    elif "pk" in route.arguments and route.endpoint.startswith("JobView."):
        found["pk"] = "job"
    if "attachment_id" in route.arguments and "declaration" not in found.values():
        found["attachment_id"] = "agency_file"
    return found


def names_for(route: Route) -> list[str]:
    """Values for a `name` converter: every action of the view, every step of 复核 on a listed unit, or every
    transition of the lifecycle."""
    if route.endpoint.endswith(".action"):
        return sorted(getattr(route.view, "actions", {})) or ["approve"]
    if "unit" in scoped_arguments(route).values():
        return sorted(recheck.TRANSITIONS)
    return sorted(TRANSITIONS)


def cases(route: Route, may: bool, outside: dict[str, list[int]], ids: dict) -> list[Case]:
    """The requests of one account on one route. Ids of what it may not reach fill the scoped converters; an
    attachment or import id beside a declaration is the other declaration's report, a window the open one."""
    scoped = scoped_arguments(route)
    arguments = route.arguments
    # arg-less posts of a declaration view carry declaration ids in the form, but for the permitted changes named
    # in LEFT_OUT (a job over the account's own list)
    in_form = route.method == "POST" and not arguments and _is_declaration_view(route) \
        and route.endpoint not in LEFT_OUT
    if may and not scoped and not in_form:
        if route.method != "GET":
            return []  # a permitted change with nothing of another scope in it: the lifecycle tests' matter
        values = {n: str(ids["window"]) if n == "window_id" else "1" for n in arguments}
        return [Case(route, route.url(values), None, refused=False)]
    kinds = sorted(set(scoped.values())) or ["declaration"]
    many = may and (scoped or in_form)  # FAB refuses the others before any id is read: one request says so
    names = names_for(route) if "name" in arguments else [None]
    first = {kind: outside[kind][0] for kind in kinds}
    # every outside id of each kind with the first name, and the first ids with every name
    picks = [{**first, kind: pk} for kind in kinds for pk in outside[kind]] if many else [first]
    pairs = [(pick, names[0]) for pick in picks] + ([(first, name) for name in names[1:]] if many else [])
    result = []
    for pick, name in pairs:
        values = {}
        for argument, converter in arguments.items():
            if argument in scoped:
                values[argument] = str(pick[scoped[argument]])
            elif argument == "name":
                values[argument] = name
            elif argument == "window_id":
                values[argument] = str(ids["window"])
            elif is_integer(converter) or argument == "pk":
                values[argument] = str(ids["d1_report"])
            else:
                values[argument] = "letter" if argument == "which" else "1"
        form = None if route.method == "GET" else {**FORM, "rowid": str(pick.get("declaration", first[kinds[0]])),
                                                   "action": name or "approve"}
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


WATCHED_TABLES = ("recommendation_package", "job", "listed_unit", "listing_event", "listing_recheck", "filing", "message", "message_read",
                     "agency_spot_check", "agency_suspension", "agency_report", "agency_event")


def watched_rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of the tables whose changes (a package's order, a status, a filing's values, a message read) add
    no row."""
    from flask_appbuilder import Model

    with app.app_context():
        tables = Model.metadata.tables
        return {name: sorted(map(tuple, db.session.execute(select(tables[name])).all()), key=repr)
                for name in WATCHED_TABLES}


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


def outside_of(username: str, ids: dict) -> dict[str, list[int]]:
    """The ids of each kind `username` may not reach (a kind it reaches all of gets an id no row has)."""
    seen = visible(username)
    found = {kind: [] for kind in PREFIX}
    for name, pk in named(ids).items():
        if name not in seen:
            found[kind_of(name)].append(pk)
    return {kind: pks or [10 ** 9] for kind, pks in found.items()}


def matrix(app: Flask, username: str, ids: dict, access: Access) -> list[Case]:
    outside = outside_of(username, ids)
    user = None if username == ANONYMOUS else username
    return [case for route in routes(app)
            if "logout" not in route.endpoint
            for case in cases(route, access.may(user, route), outside, ids)]


@pytest.mark.parametrize("username", [*USERS, ANONYMOUS])
def test_every_route_refuses_other_scopes_and_changes_nothing(app, client_as, marked, username):
    client = app.test_client() if username == ANONYMOUS else client_as(username)
    access = Access(app)
    declarations = _only(marked)
    foreign = [marker(name) for name in named(marked) if name not in visible(username)]
    generated = matrix(app, username, marked, access)
    counts, files, before = table_counts(app), upload_files(app), versions(app, declarations.values())
    rows = watched_rows(app)

    failures = run(app, client, username, generated, foreign)

    assert not failures, f"{len(failures)} of {len(generated)}:\n" + "\n".join(failures[:40])
    assert versions(app, declarations.values()) == before
    assert table_counts(app) == counts
    assert watched_rows(app) == rows
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
    # changes of the account's own, which no id names: tests/http/test_agency.py, test_filing.py, test_tiers.py
    "AgencyOwnView.report": "the agency's own annual work report",
    "MessageView.read_all": "the person's own messages",
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
    for username, (_, visible) in DECLARATIONS_VISIBLE.items():
        listed = set(client_as(username).get(
            "/api/v1/declarations/?q=(order_column:id,order_direction:desc,page_size:100)").get_json().get("ids", []))
        expected = {pk for name, pk in _only(declarations).items() if name in visible}
        assert expected <= listed, username
        assert not ({pk for pk in _only(declarations).values()} - expected) & listed, username


def test_a_download_needs_the_file_to_belong_to_the_declaration(client_as, declarations):
    """A file id of another declaration, through a declaration the user may see, is still 404."""
    qiye = client_as("qiye")
    assert qiye.get(f"{APPLICANT}/download/{declarations['d2']}/{declarations['d1_report']}").status_code == 404
