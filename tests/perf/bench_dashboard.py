"""The 数据看板 at national scale, read from its summary rows with no cache (`make bench`, after the lists).

Uses the database of bench_lists.py (SQLite under instance/, or DATABASE_URL), building it first when it holds
fewer than BENCH_DECLARATIONS declarations, then times the dashboard page of each kind of reviewer through the
test client, and the domain's `dashboard.build()` alone, and counts the statements. Prints one table; asserts
nothing about time.
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.bench_lists import DATABASE, N, ROUNDS, build  # noqa: E402

BUDGET_MS = 50  # the national dashboard's p50, without any cache (issue 18)


def main():
    from sqlalchemy import event, func, inspect, select

    from app import clock, create_app
    from app.domain import dashboard
    from app.extensions import db
    from app.models import Batch, Declaration, DeclarationTally
    from tests.conftest import login

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=DATABASE, CAPTCHA_ENABLED=False,
                     AUTH_RATE_LIMITED=False)
    with app.app_context():
        built = inspect(db.engine).has_table(DeclarationTally.__tablename__)
        have = db.session.scalar(select(func.count()).select_from(Declaration)) if built else 0
    if have < N:
        build()
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Declaration))
        rows = db.session.scalar(select(func.count()).select_from(DeclarationTally))
        batch = db.session.scalar(select(Batch.id).order_by(Batch.id))
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))

    def timed(call):
        for _ in range(3):
            call()
        timings, counts = [], []
        for _ in range(ROUNDS):
            statements.clear()
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(statements))
        timings.sort()
        return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)], max(counts)

    def page(username, query=""):
        client = app.test_client()
        login(client, username, "Lvse@2026")

        def get():
            response = client.get("/dashboard/" + query)
            assert response.status_code == 200, response.status_code
            return response
        total = re.search(r'id="kpi-total"[^>]*>.*?<b>([^<]+)</b>', get().get_data(as_text=True), re.S)
        return timed(get), total.group(1) if total else "?"

    def domain(username):
        from tests.factories import actor_of

        with app.app_context():
            actor = actor_of(username)
            return timed(lambda: dashboard.build(db.session, actor, today=clock.today()))

    cases = [("ministry (national)", "gongxinbu", ""), ("ministry, one batch", "gongxinbu", f"?batch={batch}"),
             ("province (河北)", "hebeisheng", ""), ("city (石家庄)", "shijiazhuang", ""), ("county (长安区)", "changan", "")]
    print(f"\n数据看板 at {have:,} declarations ({engine.dialect.name}), {rows:,} summary rows, {ROUNDS} requests each, "
          f"no cache")
    print(f"{'dashboard':24} {'total':>9} {'page p50':>9} {'p95':>7} {'SQL':>4} {'build() p50':>12}  budget")
    for title, username, query in cases:
        (p50, p95, sql), total = page(username, query)
        line = f"{title:24} {total:>9} {p50:9.1f} {p95:7.1f} {sql:4d}"
        if not query:
            line += f" {domain(username)[0]:12.1f}"
        else:
            line += f" {'':12}"
        if title == "ministry (national)":
            line += f"  p50 ≤ {BUDGET_MS} ms: {'met' if p50 <= BUDGET_MS else 'NOT met'}"
        print(line)


if __name__ == "__main__":
    main()
