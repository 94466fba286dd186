"""after the list: 复核 cases of listed units, 企业绿码 grades and their shares

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'listing_recheck',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listed_unit_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=True),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('proposed_at', sa.DateTime(), nullable=True),
        sa.Column('proposal_reason', sa.Text(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['listed_unit_id'], ['listed_unit.id']),
        sa.ForeignKeyConstraint(['started_by_id'], ['authority.id']),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['authority.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('listing_recheck', schema=None) as batch_op:
        batch_op.create_index('ix_listing_recheck_stage', ['stage', 'listed_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_recheck_listed_unit_id'), ['listed_unit_id'], unique=False)
    op.create_table(
        'green_code_share',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('a_plus', sa.Integer(), nullable=False),
        sa.Column('a', sa.Integer(), nullable=False),
        sa.Column('b', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('year'),
    )
    op.bulk_insert(sa.table('green_code_share', sa.column('year', sa.Integer), sa.column('a_plus', sa.Integer),
                            sa.column('a', sa.Integer), sa.column('b', sa.Integer)),
                   [{'year': None, 'a_plus': 5, 'a': 35, 'b': 60}])
    op.create_table(
        'green_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listed_unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('declaration_type_id', sa.Integer(), nullable=False),
        sa.Column('industry_id', sa.Integer(), nullable=True),
        sa.Column('grade', sa.String(length=4), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('peers', sa.Integer(), nullable=False),
        sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column('indicators', sa.JSON(), nullable=False),
        sa.Column('shares', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['listed_unit_id'], ['listed_unit.id']),
        sa.ForeignKeyConstraint(['declaration_type_id'], ['declaration_type.id']),
        sa.ForeignKeyConstraint(['industry_id'], ['industry.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('listed_unit_id', 'year'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('green_code', schema=None) as batch_op:
        batch_op.create_index('ix_green_code_year_type', ['year', 'declaration_type_id'], unique=False)


def downgrade():
    op.drop_table('green_code')
    op.drop_table('green_code_share')
    op.drop_table('listing_recheck')
