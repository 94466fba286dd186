"""declaration tally: the 数据看板's figures as summary rows, kept live by every change of a declaration; an
index per level of the declarations in review there, for the overdue list

Revision ID: 0016
Revises: 0015

The table is filled here from the declarations and their review steps, with a frozen copy of what
`flask figures rebuild` computes (app/domain/figures.py), so an upgraded platform shows its figures at once.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

LEVELS = ("county", "city", "top", "ministry")


def upgrade():
    amounts = [sa.Column('declarations', sa.Integer(), nullable=False)]
    for level in LEVELS:
        amounts += [sa.Column(f'{level}_decided', sa.Integer(), nullable=False),
                    sa.Column(f'{level}_seconds', sa.BigInteger(), nullable=False)]
    op.create_table(
        'declaration_tally',
        sa.Column('scope_id', sa.Integer(), nullable=False),
        sa.Column('declaration_type_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('in_package', sa.Boolean(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        *amounts,
        sa.PrimaryKeyConstraint('scope_id', 'declaration_type_id', 'batch_id', 'status', 'level', 'in_package',
                                'province_id', 'region_id'),
    )
    for level in LEVELS:  # the declarations in review at each level, for the dashboard's overdue list
        where = sa.text(f"status = 'under_review' AND {level}_step = 'in_review'")
        op.create_index(f'ix_declaration_in_review_{level}', 'declaration',
                        ['batch_id', 'declaration_type_id', 'submitted_at', 'id'],
                        postgresql_where=where, sqlite_where=where)
    postgresql = op.get_bind().dialect.name == "postgresql"
    seconds = ("round(extract(epoch from decided_at - started_at))::bigint" if postgresql
               else "CAST(round((julianday(decided_at) - julianday(started_at)) * 86400) AS INTEGER)")
    yes, no = ("true", "false") if postgresql else ("1", "0")
    decided = "started_at IS NOT NULL AND decided_at IS NOT NULL AND level = '{}'"
    per_step = ", ".join(f"SUM(CASE WHEN {decided.format(level)} THEN 1 ELSE 0 END) AS {level}_decided, "
                         f"SUM(CASE WHEN {decided.format(level)} THEN {seconds} ELSE 0 END) AS {level}_seconds"
                         for level in LEVELS)
    names = ", ".join(f"{level}_decided, {level}_seconds" for level in LEVELS)
    each = ", ".join(f"COALESCE(t.{level}_decided, 0) AS {level}_decided, "
                     f"COALESCE(t.{level}_seconds, 0) AS {level}_seconds" for level in LEVELS)
    sums = ", ".join(f"SUM({level}_decided), SUM({level}_seconds)" for level in LEVELS)
    key = "scope_id, declaration_type_id, batch_id, status, level, in_package, province_id, region_id"
    op.execute(f"""
        INSERT INTO declaration_tally ({key}, declarations, {names})
        SELECT {key}, COUNT(*), {sums} FROM (
            SELECT CASE k.kind WHEN 0 THEN CASE WHEN d.submitted_at IS NOT NULL THEN 0 END
                               WHEN 1 THEN d.county_authority_id WHEN 2 THEN d.city_authority_id
                               ELSE d.top_authority_id END AS scope_id,
                   d.declaration_type_id, d.batch_id, d.status,
                   COALESCE(CASE WHEN d.status <> 'under_review' THEN NULL
                                 WHEN d.county_step = 'in_review' THEN 'county'
                                 WHEN d.city_step = 'in_review' THEN 'city'
                                 WHEN d.top_step = 'in_review' THEN 'top'
                                 WHEN d.ministry_step = 'in_review' THEN 'ministry' END, '') AS level,
                   CASE WHEN d.status = 'under_review' AND d.package_id IS NOT NULL
                             AND d.pending_authority_id IS NULL THEN {yes} ELSE {no} END AS in_package,
                   COALESCE(d.province_id, 0) AS province_id,
                   CASE WHEN k.kind = 0 THEN 0 ELSE COALESCE(d.region_id, 0) END AS region_id,
                   {each}
            FROM declaration d
            CROSS JOIN (SELECT 0 AS kind UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k
            LEFT JOIN (SELECT declaration_id, {per_step} FROM review_step GROUP BY declaration_id) t
                   ON t.declaration_id = d.id
        ) e
        WHERE scope_id IS NOT NULL
        GROUP BY {key}
    """)


def downgrade():
    for level in LEVELS:
        op.drop_index(f'ix_declaration_in_review_{level}', table_name='declaration')
    op.drop_table('declaration_tally')
