"""volunteers, teams, posts and claims, activities, service records, the ledger, rewards, certificates

Revision ID: volunteer_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = 'volunteer_0001'
down_revision = None
branch_labels = ('volunteer',)
depends_on = None


def upgrade() -> None:
    create_tenant_table('volunteer__account',
    sa.Column('owner_type', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('in_debt', sa.Boolean(), nullable=False),
    sa.UniqueConstraint('tenant_id', 'owner_type', 'owner_id', 'currency', 'kind', name='uq_volunteer__account_owner')
    )
    create_tenant_table('volunteer__txn',
    sa.Column('txn_type', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_type', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reverses_txn_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('idempotency_key', sa.String(length=96), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    tenant_fks=(('reverses_txn_id', 'volunteer__txn'),),
    indexes=(('business_date',),),
    uniques=(('reverses_txn_id',), ('idempotency_key',))
    )
    with op.batch_alter_table('volunteer__txn', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer__txn_tenant_id_source', ['tenant_id', 'source_type', 'source_id'], unique=False)

    create_tenant_table('volunteer__entry',
    sa.Column('txn_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_volunteer__entry_amount')),
    tenant_fks=(('account_id', 'volunteer__account'), ('txn_id', 'volunteer__txn')),
    indexes=(('txn_id',),)
    )
    with op.batch_alter_table('volunteer__entry', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer__entry_tenant_id_account_id', ['tenant_id', 'account_id', 'id'], unique=False)

    create_tenant_table('volunteer__lot',
    sa.Column('earn_txn_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('original', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('remaining', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('remaining >= 0', name=op.f('ck_volunteer__lot_remaining')),
    tenant_fks=(('account_id', 'volunteer__account'), ('earn_txn_id', 'volunteer__txn')),
    indexes=(('account_id', 'earned_on'),)
    )
    create_tenant_table('volunteer__post',
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('claimant_type', sa.String(length=8), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('active_claims', sa.Integer(), nullable=False),
    sa.Column('required_role', sa.String(length=20), nullable=True),
    sa.Column('requires_review', sa.Boolean(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('active_claims >= 0 AND active_claims <= capacity', name=op.f('ck_volunteer__post_seats')),
    tenant_fks=(('org_unit_id', 'org_unit'),),
    indexes=(('kind', 'status'), ('org_unit_id',))
    )
    create_tenant_table('volunteer__reward',
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outlet', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('points_price', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('donor', sa.String(length=100), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('reserved >= 0 AND reserved <= stock', name=op.f('ck_volunteer__reward_stock')),
    tenant_fks=(('org_unit_id', 'org_unit'),)
    )
    create_tenant_table('volunteer__balance',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('balance', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('last_entry_id', 'volunteer__entry'), ('account_id', 'volunteer__account')),
    uniques=(('account_id',),)
    )
    create_tenant_table('volunteer__lot_use',
    sa.Column('lot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('consuming_txn_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    tenant_fks=(('consuming_txn_id', 'volunteer__txn'), ('lot_id', 'volunteer__lot')),
    indexes=(('consuming_txn_id',),)
    )
    create_tenant_table('volunteer__stock',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('item_id', 'volunteer__reward'),),
    indexes=(('item_id',),)
    )
    create_tenant_table('volunteer__profile',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('employer_party_org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('employer', sa.String(length=100), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('three_roles', sa.JSON(), nullable=False),
    sa.Column('board_consent', sa.String(length=12), nullable=False),
    sa.Column('minor', sa.Boolean(), nullable=False),
    sa.Column('guardian_consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('national_system_id', sa.String(length=32), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('person_id', 'person'), ('org_unit_id', 'org_unit'), ('employer_party_org_id', 'party_org')),
    indexes=(('org_unit_id',), ('user_id',)),
    uniques=(('person_id',),)
    )
    create_tenant_table('volunteer__cert',
    sa.Column('number', sa.String(length=48), nullable=False),
    sa.Column('volunteer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('range_from', sa.Date(), nullable=False),
    sa.Column('range_to', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('issued_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verify_token', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('revoke_reason', sa.String(length=200), nullable=True),
    tenant_fks=(('volunteer_id', 'volunteer__profile'),),
    uniques=(('number',), ('verify_token',))
    )
    create_tenant_table('volunteer__order',
    sa.Column('volunteer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('pickup_code', sa.String(length=8), nullable=False),
    sa.Column('hold_txn_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    tenant_fks=(('volunteer_id', 'volunteer__profile'), ('hold_txn_id', 'volunteer__txn'), ('item_id', 'volunteer__reward')),
    indexes=(('volunteer_id',),)
    )
    create_tenant_table('volunteer__team',
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('host_unit', sa.String(length=100), nullable=True),
    sa.Column('leader_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('leader_id', 'volunteer__profile'), ('org_unit_id', 'org_unit')),
    indexes=(('org_unit_id',),)
    )
    create_tenant_table('volunteer__activity',
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('project_ref', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('waitlist_enabled', sa.Boolean(), nullable=False),
    sa.Column('checkin_code', sa.String(length=6), nullable=False),
    sa.Column('default_minutes', sa.Integer(), nullable=False),
    sa.Column('max_credit_minutes', sa.Integer(), nullable=False),
    sa.Column('approval_mode', sa.String(length=12), nullable=False),
    sa.Column('beneficiaries_count', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('post_id', 'volunteer__post'), ('org_unit_id', 'org_unit'), ('team_id', 'volunteer__team')),
    indexes=(('org_unit_id',), ('starts_at',))
    )
    create_tenant_table('volunteer__claim',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('claimant_type', sa.String(length=8), nullable=False),
    sa.Column('volunteer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('claimant_key', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.Column('dormant', sa.Boolean(), nullable=False),
    tenant_fks=(('volunteer_id', 'volunteer__profile'), ('post_id', 'volunteer__post'), ('team_id', 'volunteer__team')),
    indexes=(('state',), ('team_id',), ('volunteer_id',))
    )
    with op.batch_alter_table('volunteer__claim', schema=None) as batch_op:
        batch_op.create_index('uq_volunteer__claim_open', ['tenant_id', 'post_id', 'claimant_key'], unique=True, sqlite_where=sa.text("state IN ('pending', 'active')"), postgresql_where=sa.text("state IN ('pending', 'active')"))

    create_tenant_table('volunteer__member',
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('volunteer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    tenant_fks=(('volunteer_id', 'volunteer__profile'), ('team_id', 'volunteer__team')),
    indexes=(('team_id',), ('volunteer_id',))
    )
    create_tenant_table('volunteer__record',
    sa.Column('volunteer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('activity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('linked_ref', sa.String(length=64), nullable=True),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_claimed', sa.Integer(), nullable=False),
    sa.Column('minutes_credited', sa.Integer(), nullable=False),
    sa.Column('uncredited_minutes', sa.Integer(), nullable=False),
    sa.Column('uncredited_reason', sa.String(length=16), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('declared_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('approved_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=True),
    sa.Column('supersedes_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('anomaly_flags', sa.JSON(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=96), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('activity_id', 'volunteer__activity'), ('post_id', 'volunteer__post'), ('org_unit_id', 'org_unit'), ('supersedes_id', 'volunteer__record'), ('volunteer_id', 'volunteer__profile')),
    indexes=(('state',), ('volunteer_id', 'service_date')),
    uniques=(('idempotency_key',),)
    )
    create_tenant_table('volunteer__signup',
    sa.Column('activity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('volunteer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assisted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('activity_id', 'volunteer__activity'), ('volunteer_id', 'volunteer__profile')),
    indexes=(('volunteer_id',),),
    uniques=(('activity_id', 'volunteer_id'),)
    )


def downgrade() -> None:
    drop_tenant_table('volunteer__signup')
    drop_tenant_table('volunteer__record')
    drop_tenant_table('volunteer__member')
    drop_tenant_table('volunteer__claim')
    drop_tenant_table('volunteer__activity')
    drop_tenant_table('volunteer__team')
    drop_tenant_table('volunteer__order')
    drop_tenant_table('volunteer__cert')
    drop_tenant_table('volunteer__profile')
    drop_tenant_table('volunteer__stock')
    drop_tenant_table('volunteer__lot_use')
    drop_tenant_table('volunteer__balance')
    drop_tenant_table('volunteer__reward')
    drop_tenant_table('volunteer__post')
    drop_tenant_table('volunteer__lot')
    drop_tenant_table('volunteer__entry')
    drop_tenant_table('volunteer__txn')
    drop_tenant_table('volunteer__account')
