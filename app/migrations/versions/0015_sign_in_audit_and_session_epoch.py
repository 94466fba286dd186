"""sign-in audit, session epoch, shared counters

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KINDS = ('success', 'failure', 'lock', 'unlock', 'password_change', 'password_reset', 'deactivation')


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))

    op.create_table(
        'sign_in_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='signinkind', native_enum=False, length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=128), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=256), nullable=False),
        sa.Column('detail', sa.String(length=64), nullable=False),
        sa.Column('actor', sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('sign_in_event', schema=None) as batch_op:
        for column in ('at', 'kind', 'user_id', 'username', 'address'):
            batch_op.create_index(batch_op.f(f'ix_sign_in_event_{column}'), [column], unique=False)

    op.create_table(
        'shared_value',
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('shared_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_value_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('shared_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_value_expires_at'))
    op.drop_table('shared_value')

    with op.batch_alter_table('sign_in_event', schema=None) as batch_op:
        for column in ('address', 'username', 'user_id', 'kind', 'at'):
            batch_op.drop_index(batch_op.f(f'ix_sign_in_event_{column}'))
    op.drop_table('sign_in_event')

    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
