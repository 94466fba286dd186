"""List pages at national scale, against a plain Flask-AppBuilder view written the obvious way (`make bench`).

Builds (or reuses) a SQLite database of BENCH_DECLARATIONS declarations (default 1,000,000) under instance/,
then times each list page through the test client and counts its SQL statements, in one run with the peer:
a ModelView with related names in `list_columns` and the scope as a `base_filters` join through the
organization's region to the province. Prints one table; asserts nothing about time.
With DATABASE_URL pointing at PostgreSQL the same benchmark runs there (the database is rebuilt).
"""
from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

N = int(os.environ.get("BENCH_DECLARATIONS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
DATABASE = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / f'bench-{N}.db'}"
BUDGETS = {  # (p50 ms, minimum ratio to the peer) from the national-scale issue
    "province reviewer, 25 rows": (15, 30),
    "province reviewer, 100 rows": (20, None),
    "ministry (national), 25 rows": (15, 2.5),
    "applicant, own list": (15, None),
}


def build():
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from app.demo import generate, vacuum_analyze
    from app.extensions import db
    from app.models import Declaration
    from app.seeding import load

    builder = create_app("config.Config", SQLALCHEMY_DATABASE_URI=DATABASE, CAPTCHA_ENABLED=False)
    with builder.app_context():
        if DATABASE.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        load(demo=True)
        have = db.session.scalar(select(func.count()).select_from(Declaration))
        if have < N:
            started = time.perf_counter()
            made = generate(N - have, seed=2026)
            seconds = time.perf_counter() - started
            print(f"generated {made['declarations']:,} declarations in {seconds:.0f} s "
                  f"({made['declarations'] / seconds:,.0f}/s)")
        applicant_acts_for_a_busy_enterprise()
        db.session.commit()
        if DATABASE.startswith("postgresql"):  # on SQLite, ANALYZE makes the planner worse (PITFALLS.md)
            vacuum_analyze()


def applicant_acts_for_a_busy_enterprise():
    """The demo enterprise account also acts for the generated enterprise with the most 绿色工厂 declarations,
    so the applicant's page lists real rows (the demo enterprise itself has one or two)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Declaration, DeclarationType, Organization, OrganizationMember, PlatformUser

    user = db.session.scalar(select(PlatformUser).where(PlatformUser.username == "qiye"))
    busiest = db.session.scalar(
        select(Declaration.organization_id).join(DeclarationType).where(DeclarationType.code == "green_factory")
        .group_by(Declaration.organization_id).order_by(func.count().desc(), Declaration.organization_id).limit(1))
    if user.active_organization_id != busiest:
        demo = db.session.get(Organization, user.active_organization_id)
        organization = db.session.get(Organization, busiest)
        organization.subsystems = list(demo.subsystems)
        organization.declaration_types = list(demo.declaration_types)
        if busiest not in {m.organization_id for m in user.memberships}:
            user.memberships.append(OrganizationMember(organization_id=busiest))
        user.active_organization_id = busiest


def peer_views():
    """The peer: what a careful-enough developer writes first with Flask-AppBuilder."""
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.filters import BaseFilter
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from app.models import Declaration, Organization, Region

    class ProvinceJoin(BaseFilter):
        name = "province"

        def apply(self, query, value):
            return query.join(Organization, Declaration.organization_id == Organization.id) \
                .join(Region, Organization.region_id == Region.id) \
                .filter((Region.province_id == value) | (Region.id == value))

    class UnderReview(BaseFilter):  # the status filter a clerk picks (FAB's own enum search cannot read our enums)
        name = "status"

        def apply(self, query, value):
            return query.filter(Declaration.status == "under_review")

    class PeerBase(ModelView):
        datamodel = SQLAInterface(Declaration)
        list_columns = ["submitted_at", "organization.name", "declaration_type.name", "batch.name", "status"]
        search_columns = ["submitted_at", "unit_name"]
        base_order = ("submitted_at", "desc")
        base_permissions = ["can_list"]

    def province_view(province_id):
        return type("PeerProvinceView", (PeerBase,), {
            "route_base": "/peer/province",
            "base_filters": [["id", ProvinceJoin, province_id], ["id", UnderReview, None]]})

    national = type("PeerNationalView", (PeerBase,), {"route_base": "/peer/national",
                                                       "base_filters": [["id", UnderReview, None]]})
    return province_view, national


def main():
    build()
    from sqlalchemy import event, select

    from app import create_app
    from app.extensions import db
    from app.models import Batch, Region
    from tests.conftest import login

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=DATABASE, CAPTCHA_ENABLED=False,
                     AUTH_RATE_LIMITED=False)
    province_view, national_view = peer_views()
    with app.app_context():
        hebei = db.session.scalar(select(Region.id).where(Region.code == "130000"))
        shijiazhuang = db.session.scalar(select(Region.id).where(Region.code == "130100"))
        batch = db.session.scalar(select(Batch.id).order_by(Batch.id))
        app.appbuilder.add_view_no_menu(province_view(hebei))
        app.appbuilder.add_view_no_menu(national_view)
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))

    def measure(username, url):
        client = app.test_client()
        login(client, username, "Lvse@2026")
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        timings, counts = [], []
        for _ in range(ROUNDS):
            statements.clear()
            started = time.perf_counter()
            html = client.get(url).get_data(as_text=True)
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(statements))
        rows = len(re.findall(r"/show/\d+", html)) or html.count("<tr") - 1
        timings.sort()
        return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], max(counts), rows

    cases = [
        ("province reviewer, 25 rows", "hebeisheng", "/review/declarations/list/?tab=all&status=under_review",
         "admin", "/peer/province/list/"),
        ("province reviewer, 100 rows", "hebeisheng",
         "/review/declarations/list/?tab=all&status=under_review&psize_ReviewDeclarationView=100",
         "admin", "/peer/province/list/?psize_PeerProvinceView=100"),
        ("province reviewer, 待我审核", "hebeisheng", "/review/declarations/list/", None, None),
        ("province reviewer, batch + city", "hebeisheng",
         f"/review/declarations/list/?tab=all&batch={batch}&city={shijiazhuang}", None, None),
        ("county reviewer, 25 rows", "changan", "/review/declarations/list/?tab=all", None, None),
        ("ministry (national), 25 rows", "gongxinbu", "/review/declarations/list/?tab=all&status=under_review",
         "admin", "/peer/national/list/"),
        ("ministry (national), 100 rows", "gongxinbu",
         "/review/declarations/list/?tab=all&psize_ReviewDeclarationView=100", None, None),
        ("applicant, own list", "qiye", "/declarations/green_factory/list/", None, None),
    ]
    print(f"\nList pages at N = {N:,} declarations ({engine.dialect.name}), {ROUNDS} requests each")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'rows':>5} {'peer p50':>9} {'peer SQL':>8} "
          f"{'ratio':>6}  budget")
    for title, user, url, peer_user, peer_url in cases:
        p50, p95, sql, rows = measure(user, url)
        line = f"{title:34} {p50:8.1f} {p95:8.1f} {sql:4d} {rows:5d}"
        ratio = None
        if peer_url:
            peer50, _, peer_sql, _ = measure(peer_user, peer_url)
            ratio = peer50 / p50
            line += f" {peer50:9.1f} {peer_sql:8d} {ratio:5.1f}×"
        else:
            line += f" {'':9} {'':8} {'':6}"
        budget = BUDGETS.get(title)
        if budget:
            ok = p50 <= budget[0] and (budget[1] is None or (ratio or 0) >= budget[1]) and sql <= 8
            line += f"  p50 ≤ {budget[0]} ms" + (f", ≥ {budget[1]}× peer" if budget[1] else "") + \
                f", SQL ≤ 8: {'met' if ok else 'NOT met'}"
        print(line)
    print("\nThe export follows (bench_export.py); the gunicorn load test is `make load` (tests/perf/load.py).")


if __name__ == "__main__":
    main()
