"""ids never reused: SQLite AUTOINCREMENT for the tables whose ids appear in URLs

Without AUTOINCREMENT SQLite gives the next row the highest id in use plus one, so deleting the newest draft
handed its id to the next draft, and an old link opened another declaration. AUTOINCREMENT keeps the highest id
ever given in sqlite_sequence. SQLite cannot add it to a table, so each table is rebuilt (batch mode copies the
rows, indexes and constraints). PostgreSQL's sequences never go back: nothing to do there.

Also (on both databases) the steps of rounds withdrawn before the 已取消 step state existed: 取消上报 used to put
the open step back to 未开始, so those rounds were drawn as if still pending. Their open steps become 已取消, as
`lifecycle._withdraw` now leaves them. The step state is a VARCHAR without a CHECK: the new value needs no DDL.

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


WITHDRAWN_ROUND = ("EXISTS (SELECT 1 FROM review_record r WHERE r.declaration_id = review_step.declaration_id"
                   " AND r.round = review_step.round AND r.action = 'withdraw')")


def upgrade():
    _rebuild(True)
    op.execute("UPDATE review_step SET state = 'cancelled' WHERE state IN ('not_started', 'in_review') AND "
               + WITHDRAWN_ROUND)


def downgrade():
    op.execute("UPDATE review_step SET state = 'not_started' WHERE state = 'cancelled' AND " + WITHDRAWN_ROUND)
    _rebuild(False)
