"""agency supervision: the legal representative's identity, spot checks, 不再采信, annual work reports, history

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_representative_id_number', sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f('ix_organization_legal_representative_id_number'),
                              ['legal_representative_id_number'], unique=False)
    op.create_table(
        'agency_spot_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.Column('checked_on', sa.Date(), nullable=False),
        sa.Column('declaration_ids', sa.JSON(), nullable=False),
        sa.Column('finding', sa.String(length=16), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['authority_id'], ['authority.id']),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id']),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('agency_spot_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_spot_check_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_spot_check_authority_id'), ['authority_id'], unique=False)
    op.create_table(
        'agency_suspension',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('lifted_on', sa.Date(), nullable=True),
        sa.Column('lift_reason', sa.Text(), nullable=True),
        sa.Column('lifted_by_name', sa.String(length=128), nullable=True),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['authority_id'], ['authority.id']),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('agency_suspension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_suspension_agency_id'), ['agency_id'], unique=False)
    op.create_table(
        'agency_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('projects', sa.Integer(), nullable=False),
        sa.Column('evaluators', sa.Integer(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=128), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id']),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('agency_id', 'year', name='uq_agency_report_year'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('agency_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_report_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_report_year'), ['year'], unique=False)
    op.create_table(
        'agency_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('authority_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['authority_id'], ['authority.id']),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('agency_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_event_agency_id'), ['agency_id'], unique=False)


def downgrade():
    for table in ('agency_event', 'agency_report', 'agency_suspension', 'agency_spot_check'):
        op.drop_table(table)
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_legal_representative_id_number'))
        batch_op.drop_column('legal_representative_id_number')
