"""the fallback subsidy ledger, monthly assessments and four-party joint meetings

Revision ID: property_0003
Revises: property_0002

``property__subsidy_entry`` and ``property__subsidy_step`` are append-only: on PostgreSQL a trigger
refuses every UPDATE and every DELETE except inside a whole tenant's purge (``SET LOCAL jiceng.purge =
'on'``, set by a demo reset and by the module's purge); on SQLite a trigger refuses UPDATE. A used
assessment scheme (``locked_at`` set) and approved meeting minutes (``approved_at`` set) are locked
the same way on PostgreSQL; the services refuse on both databases.
"""
from alembic import op
import sqlalchemy as sa
from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = 'property_0003'
down_revision = 'property_0002'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
APPEND_ONLY = ('property__subsidy_entry', 'property__subsidy_step')
LOCKED = {'property__assessment_scheme': 'locked_at', 'property__joint_meeting': 'approved_at'}


def _pg_locks() -> list[str]:
    out = []
    for table in APPEND_ONLY:
        out += [f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND current_setting('jiceng.purge', true) = 'on' THEN RETURN OLD; END IF;
              RAISE EXCEPTION '{table} is append-only: post a reversal instead' USING ERRCODE = '55000';
            END $$""",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"]
    for table, column in LOCKED.items():
        out += [f"""CREATE FUNCTION {table}_locked() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND current_setting('jiceng.purge', true) = 'on' THEN RETURN OLD; END IF;
              IF OLD.{column} IS NOT NULL THEN
                RAISE EXCEPTION '{table} % is locked', OLD.id USING ERRCODE = '55000';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$""",
                f"CREATE TRIGGER {table}_locked BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_locked()"]
    return out


def upgrade() -> None:
    create_tenant_table('property__assessment_scheme',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('rounding', sa.JSON(), nullable=False),
    sa.Column('tiers', sa.JSON(), nullable=False),
    sa.Column('min_ticket_sample', sa.Integer(), nullable=False),
    sa.Column('card_rules', sa.JSON(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    uniques=(('version',),)
    )
    create_tenant_table('property__assessment',
    sa.Column('compound_id', BIG, nullable=False),
    sa.Column('provider_id', BIG, nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scheme_id', BIG, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('panel_member_ids', sa.JSON(), nullable=False),
    sa.Column('item_scores', sa.JSON(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('inspection_e4', sa.Integer(), nullable=True),
    sa.Column('ticket_kpi_e4', sa.Integer(), nullable=True),
    sa.Column('ticket_sample', sa.Integer(), nullable=False),
    sa.Column('composite_e4', sa.Integer(), nullable=True),
    sa.Column('kpi_note', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('card', sa.String(length=8), nullable=False),
    sa.Column('submitted_by', BIG, nullable=True),
    sa.Column('confirmed_by', BIG, nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supersedes_id', BIG, nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('compound_id', 'org_unit'), ('provider_id', 'property__company'),
                ('scheme_id', 'property__assessment_scheme'), ('supersedes_id', 'property__assessment')),
    indexes=(('compound_id', 'month'),),
    uniques=(('supersedes_id',),)
    )
    create_tenant_table('property__subsidy_standard',
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('provider_kind', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('rate_fen', BIG, nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by', BIG, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rate_fen >= 0', name=op.f('ck_property__subsidy_standard_rate')),
    uniques=(('mode', 'provider_kind', 'effective_from'),)
    )
    create_tenant_table('property__subsidy_entry',
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('compound_id', BIG, nullable=True),
    sa.Column('provider_id', BIG, nullable=True),
    sa.Column('coverage_period_id', BIG, nullable=True),
    sa.Column('standard_id', BIG, nullable=True),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('rate_fen', BIG, nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Integer(), nullable=False),
    sa.Column('covered_days', sa.Integer(), nullable=False),
    sa.Column('days_in_month', sa.Integer(), nullable=False),
    sa.Column('base_fen', BIG, nullable=False),
    sa.Column('assessment_id', BIG, nullable=True),
    sa.Column('score_raw', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('rounding', sa.String(length=16), nullable=False),
    sa.Column('tier_ratio', sa.Integer(), nullable=False),
    sa.Column('amount_fen', BIG, nullable=False),
    sa.Column('reverses_entry_id', BIG, nullable=True),
    sa.Column('reversed_kind', sa.String(length=12), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('voucher_no', sa.String(length=40), nullable=False),
    sa.Column('approved_by', BIG, nullable=True),
    sa.Column('created_by', BIG, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind IN ('budget', 'accrual', 'reversal', 'disbursement')",
                       name=op.f('ck_property__subsidy_entry_kind')),
    sa.CheckConstraint("(kind = 'reversal') = (reverses_entry_id IS NOT NULL)",
                       name=op.f('ck_property__subsidy_entry_reversal_link')),
    tenant_fks=(('compound_id', 'org_unit'), ('provider_id', 'property__company'),
                ('coverage_period_id', 'property__coverage_period'), ('standard_id', 'property__subsidy_standard'),
                ('assessment_id', 'property__assessment'), ('reverses_entry_id', 'property__subsidy_entry')),
    indexes=(('month', 'kind'), ('compound_id', 'month')),
    uniques=(('key',), ('reverses_entry_id',))
    )
    create_tenant_table('property__subsidy_step',
    sa.Column('entry_id', BIG, nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('user_id', BIG, nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    tenant_fks=(('entry_id', 'property__subsidy_entry'),),
    uniques=(('entry_id', 'step'),)
    )
    create_tenant_table('property__joint_meeting',
    sa.Column('community_id', BIG, nullable=False),
    sa.Column('compound_ids', sa.JSON(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('parties_present', sa.JSON(), nullable=False),
    sa.Column('party_absent', sa.Boolean(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('carried_action_ids', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('approved_by', BIG, nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=True),
    sa.Column('created_by', BIG, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('community_id', 'org_unit'),),
    indexes=(('community_id', 'scheduled_at'),)
    )
    create_tenant_table('property__meeting_action',
    sa.Column('meeting_id', BIG, nullable=False),
    sa.Column('order_no', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('target_ref', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=200), nullable=False),
    sa.Column('created_by', BIG, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('meeting_id', 'property__joint_meeting'),),
    indexes=(('meeting_id',), ('state',))
    )
    if op.get_bind().dialect.name == 'postgresql':
        for sql in _pg_locks():
            op.execute(sql)
    else:
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        for table in LOCKED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_locked()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    drop_tenant_table('property__meeting_action')
    drop_tenant_table('property__joint_meeting')
    drop_tenant_table('property__subsidy_step')
    drop_tenant_table('property__subsidy_entry')
    drop_tenant_table('property__subsidy_standard')
    drop_tenant_table('property__assessment')
    drop_tenant_table('property__assessment_scheme')
