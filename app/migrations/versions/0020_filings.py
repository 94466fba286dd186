"""动态管理 filings: filing windows, the filings of listed units, their reminders, the message centre; form
definitions say whether they are a 申报书 or a 动态管理表

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

PERIODS = ('annual', 'half_year')
STATUSES = ('draft', 'submitted')
KINDS = ('due_soon', 'overdue')


def upgrade():
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), server_default='declaration', nullable=False))
    op.create_table(
        'filing_window',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('declaration_type_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('period', sa.Enum(*PERIODS, name='filingperiod', native_enum=False, length=16), nullable=False),
        sa.Column('opens_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('form_definition_id', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['declaration_type_id'], ['declaration_type.id']),
        sa.ForeignKeyConstraint(['form_definition_id'], ['form_definition.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('declaration_type_id', 'year', 'period', name='uq_filing_window'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('filing_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_window_declaration_type_id'), ['declaration_type_id'],
                              unique=False)
    op.create_table(
        'message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_organization', ['organization_id', 'id'], unique=False)
        batch_op.create_index('ix_message_user', ['user_id', 'id'], unique=False)
    op.create_table(
        'message_read',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id']),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id', 'user_id', name='uq_message_read'),
    )
    with op.batch_alter_table('message_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_read_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_read_user_id'), ['user_id'], unique=False)
    op.create_table(
        'filing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('window_id', sa.Integer(), nullable=False),
        sa.Column('listed_unit_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='filingstatus', native_enum=False, length=16), nullable=False),
        sa.Column('form_data', sa.JSON(), nullable=False),
        sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column('indicator_scores', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitter_name', sa.String(length=128), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['window_id'], ['filing_window.id']),
        sa.ForeignKeyConstraint(['listed_unit_id'], ['listed_unit.id']),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('window_id', 'listed_unit_id', name='uq_filing_window_unit'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_window_id'), ['window_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_listed_unit_id'), ['listed_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_organization_id'), ['organization_id'], unique=False)
    op.create_table(
        'filing_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('window_id', sa.Integer(), nullable=False),
        sa.Column('listed_unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='reminderkind', native_enum=False, length=16), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['window_id'], ['filing_window.id']),
        sa.ForeignKeyConstraint(['listed_unit_id'], ['listed_unit.id']),
        sa.ForeignKeyConstraint(['message_id'], ['message.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('window_id', 'listed_unit_id', 'kind', name='uq_filing_reminder'),
    )
    with op.batch_alter_table('filing_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_reminder_window_id'), ['window_id'], unique=False)


def downgrade():
    with op.batch_alter_table('filing_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_reminder_window_id'))
    op.drop_table('filing_reminder')
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_organization_id'))
        batch_op.drop_index(batch_op.f('ix_filing_listed_unit_id'))
        batch_op.drop_index(batch_op.f('ix_filing_window_id'))
    op.drop_table('filing')
    with op.batch_alter_table('message_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_read_user_id'))
        batch_op.drop_index(batch_op.f('ix_message_read_message_id'))
    op.drop_table('message_read')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_user')
        batch_op.drop_index('ix_message_organization')
    op.drop_table('message')
    with op.batch_alter_table('filing_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_window_declaration_type_id'))
    op.drop_table('filing_window')
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.drop_column('purpose')
