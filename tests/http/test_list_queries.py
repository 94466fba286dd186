"""A list page costs the same number of SQL statements for 25 rows as for 100."""
import contextlib
import re

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Declaration, Region
from tests import factories as f


@pytest.fixture(scope="module")
def many_declarations(app):
    with app.app_context():
        org = f.organization("石家庄绿源机械制造有限公司")
        agency = f.organization("河北绿标认证评价有限公司")
        chain = (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))
        ids = [f.declaration(org, agency=agency, chain=chain).id for _ in range(120)]
        db.session.commit()
    return ids


class Statements(list):
    """The SQL a request ran, with `parameters` beside it."""

    def __init__(self):
        super().__init__()
        self.parameters = []


@contextlib.contextmanager
def counting(app):
    statements = Statements()
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
        statements.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("username, url, view", [
    ("qiye", "/declarations/green_factory/list/", "ApplicantDeclarationView_green_factory"),
    ("changan", "/review/declarations/list/?tab=pending", "ReviewDeclarationView"),
    ("gongxinbu", "/review/declarations/list/?tab=all", "ReviewDeclarationView"),
    ("sanfang", "/agency/declarations/list/", "AgencyDeclarationView"),
])
def test_statements_do_not_grow_with_the_page(app, client_as, many_declarations, username, url, view):
    client = client_as(username)
    client.get(url)  # warm: reference choices are shared per process for a minute
    counts = {}
    for size in (25, 100):
        with counting(app) as statements:
            response = client.get(f"{url}{'&' if '?' in url else '?'}psize_{view}={size}")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("/show/") >= size
        counts[size] = len(statements)
    assert counts[25] == counts[100], counts
    assert counts[100] <= 8, counts  # the budget of issue #10


def test_national_count_is_capped(app, client_as, many_declarations, monkeypatch):
    """The ministry's national list counts up to COUNT_CAP and says so; a county's list, which sees more rows than
    the cap here, counts them all."""
    from app.views import declarations

    def record_count(html: str) -> int:
        return int(re.search(r"<strong>记录数目:</strong>\s*(\d+)", html).group(1))

    monkeypatch.setattr(declarations, "COUNT_CAP", 50)
    html = client_as("gongxinbu").get("/review/declarations/list/?tab=all").get_data(as_text=True)
    assert "符合条件的申报超过 50 条，记录数目只计到 50；" in html and record_count(html) == 50
    county = client_as("changan").get("/review/declarations/list/?tab=all").get_data(as_text=True)
    assert "记录数目只计到" not in county and record_count(county) >= len(many_declarations) > 50


def test_a_filtered_regional_count_reads_the_scope_index_alone(app, client_as, many_declarations):
    """A province's list narrowed by batch, type, city and industry is counted from its scope index, never
    from the province's rows, whose number grows with the province."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("plans are checked on SQLite; PostgreSQL's follow its statistics")
        declaration = db.session.get(Declaration, many_declarations[0])
        common = f"batch={declaration.batch_id}&type={declaration.declaration_type_id}&industry=34"
        city = db.session.get(Region, declaration.region_id).parent_id
    for filters, status in ((f"{common}&city={city}", "&status=under_review"), (f"{common}&city={city}", ""),
                            (f"{common}&city={city}&county={declaration.region_id}", "")):
        tab = "all"
        with counting(app) as statements:
            assert client_as("hebeisheng").get(
                f"/review/declarations/list/?tab={tab}{status}&{filters}").status_code == 200
        count = next(s for s in statements if s.lstrip().upper().startswith("SELECT COUNT"))
        with app.app_context():
            plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {count}", tuple(statements.parameters[statements.index(count)])))
        assert "COVERING INDEX ix_declaration_top_filter" in plan and " declaration USING INDEX" not in plan, plan
