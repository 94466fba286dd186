"""pending statistics: PostgreSQL learns that a reviewer's scope and the pending authority go together

Without them the planner multiplies the two columns' selectivities, expects a few hundred rows of a
province's 待我审核 where there are thousands, and reads the whole queue instead of the reviewer's part of
it (the figures: README, performance). SQLite has no such statistics.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SCOPES = ("county", "city", "top")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for scope in SCOPES:
        op.execute(f"CREATE STATISTICS IF NOT EXISTS st_declaration_{scope}_pending (dependencies, mcv) "
                   f"ON {scope}_authority_id, pending_authority_id FROM declaration")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for scope in SCOPES:
        op.execute(f"DROP STATISTICS IF EXISTS st_declaration_{scope}_pending")
