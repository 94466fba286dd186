"""tiers: a national window may require a valid 省级 listing; a province may let its cities run the city tier;
the index the 省级 listing check and the candidates page read

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batch_window', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_provincial_listing', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cities_run_city_tier', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('listed_unit', schema=None) as batch_op:
        batch_op.create_index('ix_listed_unit_holder', ['organization_id', 'tier', 'declaration_type_id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('listed_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_listed_unit_holder')
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.drop_column('cities_run_city_tier')
    with op.batch_alter_table('batch_window', schema=None) as batch_op:
        batch_op.drop_column('requires_provincial_listing')
