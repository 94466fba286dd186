"""the 绿色制造名单 as data: listed units and their history, filled from the declarations already listed

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TIERS = ('national', 'provincial', 'city')
STATUSES = ('valid', 'under_recheck', 'revoked')


def upgrade():
    op.create_table(
        'listed_unit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('declaration_type_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('tier', sa.Enum(*TIERS, name='batchtier', native_enum=False, length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('unit_name', sa.String(length=128), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('province_id', sa.Integer(), nullable=True),
        sa.Column('industry_id', sa.Integer(), nullable=True),
        sa.Column('listed_by_id', sa.Integer(), nullable=False),
        sa.Column('listed_on', sa.Date(), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='listingstatus', native_enum=False, length=16), nullable=False),
        sa.Column('status_changed_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['declaration_id'], ['declaration.id']),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['declaration_type_id'], ['declaration_type.id']),
        sa.ForeignKeyConstraint(['batch_id'], ['batch.id']),
        sa.ForeignKeyConstraint(['region_id'], ['region.id']),
        sa.ForeignKeyConstraint(['province_id'], ['region.id']),
        sa.ForeignKeyConstraint(['industry_id'], ['industry.id']),
        sa.ForeignKeyConstraint(['listed_by_id'], ['authority.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('declaration_id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('listed_unit', schema=None) as batch_op:
        batch_op.create_index('ix_listed_unit_public', ['year', 'tier', 'declaration_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listed_unit_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listed_unit_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listed_unit_province_id'), ['province_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listed_unit_status'), ['status'], unique=False)
    op.create_table(
        'listing_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listed_unit_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('from_status', sa.String(length=16), nullable=True),
        sa.Column('to_status', sa.String(length=16), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=128), nullable=False),
        sa.Column('opinion', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['listed_unit_id'], ['listed_unit.id']),
        sa.ForeignKeyConstraint(['authority_id'], ['authority.id']),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('listing_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_event_listed_unit_id'), ['listed_unit_id'], unique=False)
    _list_the_listed()


def _list_the_listed():
    """Declarations listed before this revision become listed units, dated by their publication (or their last
    change), with the 发布名单 record as the first entry of their history."""
    day = "date(d.updated_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(d.updated_at AS DATE)"
    op.execute(f"""
        INSERT INTO listed_unit (declaration_id, organization_id, declaration_type_id, batch_id, tier, year,
                                 unit_name, title, region_id, province_id, industry_id, listed_by_id, listed_on,
                                 status, status_changed_on, version)
        SELECT d.id, d.organization_id, d.declaration_type_id, d.batch_id, b.tier, b.year, d.unit_name, d.title,
               d.region_id, d.province_id, d.industry_id, b.owner_id, COALESCE(p.published_on, {day}), 'valid',
               COALESCE(p.published_on, {day}), 1
        FROM declaration d JOIN batch b ON b.id = d.batch_id LEFT JOIN publication p ON p.batch_id = d.batch_id
        WHERE d.status = 'listed' ORDER BY d.id""")
    op.execute("""
        INSERT INTO listing_event (listed_unit_id, action, from_status, to_status, authority_id, actor_id,
                                   actor_name, created_at)
        SELECT u.id, 'listed', NULL, 'valid', u.listed_by_id, r.actor_id, COALESCE(r.actor_name, ''),
               COALESCE(r.created_at, d.updated_at)
        FROM listed_unit u JOIN declaration d ON d.id = u.declaration_id
        LEFT JOIN review_record r ON r.declaration_id = u.declaration_id AND r.action = 'publish'
        ORDER BY u.id""")


def downgrade():
    with op.batch_alter_table('listing_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_event_listed_unit_id'))
    op.drop_table('listing_event')
    with op.batch_alter_table('listed_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listed_unit_status'))
        batch_op.drop_index(batch_op.f('ix_listed_unit_province_id'))
        batch_op.drop_index(batch_op.f('ix_listed_unit_batch_id'))
        batch_op.drop_index(batch_op.f('ix_listed_unit_organization_id'))
        batch_op.drop_index('ix_listed_unit_public')
    op.drop_table('listed_unit')
