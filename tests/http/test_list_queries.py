"""A list page costs the same number of SQL statements for 25 rows as for 100."""
import contextlib

import pytest
from sqlalchemy import delete, event

from app.extensions import db
from app.models import Declaration
from tests import factories as f


@pytest.fixture(scope="module")
def many_declarations(app):
    with app.app_context():
        org = f.organization("石家庄绿源机械制造有限公司")
        agency = f.organization("河北绿标认证评价有限公司")
        chain = (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))
        ids = [f.declaration(org, agency=agency, chain=chain).id for _ in range(120)]
        db.session.commit()
    yield ids
    with app.app_context():
        db.session.execute(delete(Declaration).where(Declaration.id.in_(ids)))
        db.session.commit()


@contextlib.contextmanager
def counting(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

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
    from app.views import declarations

    monkeypatch.setattr(declarations, "COUNT_CAP", 50)
    html = client_as("gongxinbu").get("/review/declarations/list/?tab=all").get_data(as_text=True)
    assert "记录数目只计到 10000" in html or "超过 10000" in html
    assert client_as("changan").get("/review/declarations/list/?tab=all").get_data(as_text=True).count("超过 10000") == 0
