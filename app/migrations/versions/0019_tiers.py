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
    # plain ADD COLUMN (a constant default): a batch recreate would drop the AUTOINCREMENT of SQLite's tables
    op.add_column('batch_window', sa.Column('requires_provincial_listing', sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.add_column('authority', sa.Column('cities_run_city_tier', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.create_index('ix_listed_unit_holder', 'listed_unit', ['organization_id', 'tier', 'declaration_type_id', 'status'],
                    unique=False)


def downgrade():
    op.drop_index('ix_listed_unit_holder', table_name='listed_unit')
    with op.batch_alter_table('authority', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('cities_run_city_tier')
    with op.batch_alter_table('batch_window', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('requires_provincial_listing')
