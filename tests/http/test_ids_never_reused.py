"""A deleted record's id is never given to another one, so an old link never opens someone else's data."""
from flask_appbuilder import Model
from sqlalchemy import inspect, text

from app.extensions import db
from app.models.types import IDS_NEVER_REUSED
from tests import factories as f
from tests.http.test_lifecycle_views import GF, post

NEVER_REUSED = sorted(t.name for t in Model.metadata.tables.values()
                      if t.dialect_kwargs.get("sqlite_autoincrement") == IDS_NEVER_REUSED["sqlite_autoincrement"])


def _draft(client, batch_id) -> int:
    created = post(client, f"{GF}/create", batch_id=str(batch_id))
    assert created.status_code == 302 and "/content/" in created.headers["Location"]
    return int(created.headers["Location"].rstrip("/").split("/")[-1])


def test_a_deleted_drafts_id_goes_to_no_later_draft(app, client_as):
    qiye = client_as("qiye")
    with app.app_context():
        batch_id = f.new_batch("编号不复用批").id
        db.session.commit()
    old = _draft(qiye, batch_id)  # the newest row: without AUTOINCREMENT SQLite would hand its id out again
    assert post(qiye, f"{GF}/do/{old}/delete").status_code == 302
    assert qiye.get(f"{GF}/show/{old}").status_code == 404
    new = _draft(qiye, batch_id)
    assert new > old
    assert qiye.get(f"{GF}/show/{old}").status_code == 404  # the old link still opens nothing
    assert "草稿" in qiye.get(f"{GF}/show/{new}").get_data(as_text=True)


def test_every_table_whose_ids_are_in_urls_never_reuses_them(app):
    """SQLite: the migrated tables say AUTOINCREMENT. PostgreSQL: each id comes from a sequence, which never
    goes back (migration 0013 does nothing there)."""
    assert {"declaration", "attachment", "recommendation_package", "publication", "batch", "organization"} \
        <= set(NEVER_REUSED)
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            ddl = dict(connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
            assert [t for t in NEVER_REUSED if "AUTOINCREMENT" not in ddl[t]] == []
        else:
            columns = {t: {c["name"]: c for c in inspect(connection).get_columns(t)} for t in NEVER_REUSED}
            assert [t for t in NEVER_REUSED if "nextval" not in str(columns[t]["id"].get("default"))
                    and not columns[t]["id"].get("identity")] == []
