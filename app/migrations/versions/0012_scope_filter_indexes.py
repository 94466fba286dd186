"""scope filter indexes: a filtered list's count from the index alone

A province's list filtered by batch, type, city or industry was one fast page but a slow count: the count
read every row of the scope to test the filter, so it grew with the province. These indexes carry the filter
bar's columns, so the count reads the index alone. They are separate from the ordered (scope, status,
submitted) indexes: widening those made SQLite, which has no statistics here, read a province's page through
the national status index instead. (The figures: README, performance.)

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SCOPES = ("county", "city", "top")


def upgrade():
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        for scope in SCOPES:
            batch_op.create_index(f'ix_declaration_{scope}_filter',
                                  [f'{scope}_authority_id', 'status', 'batch_id', 'declaration_type_id', 'region_id',
                                   'industry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        for scope in SCOPES:
            batch_op.drop_index(f'ix_declaration_{scope}_filter')
