"""pending in order: 待我审核 read in submission order from the (scope, pending authority) index

The (scope, pending) indexes gain the submission time, so a reviewer's queue is one index range already in
the list's order; without it SQLite walked the scope's (scope, submitted) index and skipped what others
had to do, row by row (the figures: README, performance).

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

SCOPES = ("county", "city", "top")


def upgrade():
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        for scope in SCOPES:
            batch_op.drop_index(f'ix_declaration_{scope}_pending')
            batch_op.create_index(f'ix_declaration_{scope}_pending',
                                  [f'{scope}_authority_id', 'pending_authority_id', 'submitted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        for scope in SCOPES:
            batch_op.drop_index(f'ix_declaration_{scope}_pending')
            batch_op.create_index(f'ix_declaration_{scope}_pending', [f'{scope}_authority_id', 'pending_authority_id'],
                                  unique=False)
