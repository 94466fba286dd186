"""scope submitted indexes: a reviewer's 全部 list, newest first, without reading the whole scope

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SCOPES = ("county", "city", "top")


def upgrade():
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        for scope in SCOPES:
            batch_op.create_index(f'ix_declaration_{scope}_submitted', [f'{scope}_authority_id', 'submitted_at'],
                                  unique=False)


def downgrade():
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        for scope in SCOPES:
            batch_op.drop_index(f'ix_declaration_{scope}_submitted')
