"""ids never reused: SQLite AUTOINCREMENT for the tables whose ids appear in URLs

Without AUTOINCREMENT SQLite gives the next row the highest id in use plus one, so deleting the newest draft
handed its id to the next draft, and an old link opened another declaration. AUTOINCREMENT keeps the highest id
ever given in sqlite_sequence. SQLite cannot add it to a table, so each table is rebuilt (batch mode copies the
rows, indexes and constraints). PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TABLES = ("declaration", "attachment", "recommendation_package", "publication", "batch", "declaration_type",
          "form_definition", "region", "authority", "industry", "subsystem", "organization", "config_change")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
