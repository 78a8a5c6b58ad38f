"""compound profiles, property companies and their staff, coverage periods, gaps, governance bodies

Revision ID: property_0001
Revises:

Coverage periods of one compound never overlap: on PostgreSQL an exclusion constraint over
``daterange(starts_on, ends_on, '[]')`` (btree_gist for the equality on tenant and compound) refuses
it whatever the writer; the service also checks under the write lock, which is all SQLite has.
"""
from alembic import op
import sqlalchemy as sa
from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = 'property_0001'
down_revision = None
branch_labels = ('property',)
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    create_tenant_table('property__compound_profile',
    sa.Column('compound_id', BIG, nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Integer(), nullable=False),
    sa.Column('build_year', sa.Integer(), nullable=True),
    sa.Column('party_org_type', sa.String(length=12), nullable=False),
    sa.Column('red_property', sa.Boolean(), nullable=False),
    sa.Column('hints', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('compound_id', 'org_unit'),),
    uniques=(('compound_id',),)
    )
    create_tenant_table('property__company',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('has_party_org', sa.Boolean(), nullable=False),
    sa.Column('party_member_staff', sa.Integer(), nullable=False),
    sa.Column('credit_grade', sa.String(length=4), nullable=False),
    sa.Column('credit_history', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    uniques=(('uscc',),)
    )
    create_tenant_table('property__company_staff',
    sa.Column('company_id', BIG, nullable=False),
    sa.Column('user_id', BIG, nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('company_id', 'property__company'),),
    indexes=(('user_id',),),
    uniques=(('company_id', 'user_id'),)
    )
    create_tenant_table('property__coverage_period',
    sa.Column('compound_id', BIG, nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('provider_id', BIG, nullable=True),
    sa.Column('contract_no', sa.String(length=40), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('fee_standard', sa.String(length=60), nullable=False),
    sa.Column('households_covered', sa.Integer(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('alerts_sent', sa.JSON(), nullable=False),
    sa.Column('created_by', BIG, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_property__coverage_period_dates')),
    tenant_fks=(('compound_id', 'org_unit'), ('provider_id', 'property__company')),
    indexes=(('compound_id', 'starts_on'),)
    )
    create_tenant_table('property__coverage_gap',
    sa.Column('compound_id', BIG, nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    tenant_fks=(('compound_id', 'org_unit'),),
    uniques=(('compound_id', 'opened_on'),)
    )
    create_tenant_table('property__governance_body',
    sa.Column('compound_id', BIG, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('filing_status', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('alerts_sent', sa.JSON(), nullable=False),
    tenant_fks=(('compound_id', 'org_unit'),),
    indexes=(('compound_id',),)
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute("ALTER TABLE property__coverage_period ADD CONSTRAINT property__coverage_period_no_overlap "
                   "EXCLUDE USING gist (tenant_id WITH =, compound_id WITH =, "
                   "daterange(starts_on, ends_on, '[]') WITH &&)")


def downgrade() -> None:
    drop_tenant_table('property__governance_body')
    drop_tenant_table('property__coverage_gap')
    drop_tenant_table('property__coverage_period')
    drop_tenant_table('property__company_staff')
    drop_tenant_table('property__company')
    drop_tenant_table('property__compound_profile')
