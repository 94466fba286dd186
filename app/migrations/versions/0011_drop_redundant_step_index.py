"""drop redundant step index: review steps are found by declaration through the (declaration, round, level)
unique index, whose first column is the declaration

The single-column index duplicated it: every step written (four per submission) kept both up to date.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.drop_index('ix_review_step_declaration_id')


def downgrade():
    with op.batch_alter_table('review_step', schema=None) as batch_op:
        batch_op.create_index('ix_review_step_declaration_id', ['declaration_id'], unique=False)
