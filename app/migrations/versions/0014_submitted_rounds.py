"""submitted rounds: what was submitted at each 上报, kept unchanged

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'submitted_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('form_definition_id', sa.Integer(), nullable=True),
        sa.Column('form_data', sa.JSON(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['declaration_id'], ['declaration.id'], ),
        sa.ForeignKeyConstraint(['form_definition_id'], ['form_definition.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('declaration_id', 'round', name='uq_submitted_round'),
    )


def downgrade():
    op.drop_table('submitted_round')
