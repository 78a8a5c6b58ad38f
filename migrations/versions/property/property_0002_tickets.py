"""tickets, their timeline, categories and incidents

Revision ID: property_0002
Revises: property_0001

A ticket's timeline (``property__ticket_action``) is append-only: an UPDATE is refused on both
databases; on PostgreSQL a DELETE too, except in a whole tenant's purge (``SET LOCAL jiceng.purge = 'on'``).
"""
from alembic import op
import sqlalchemy as sa
from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = 'property_0002'
down_revision = 'property_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table('property__incident',
    sa.Column('compound_ids', sa.JSON(), nullable=False),
    sa.Column('building_ids', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('planned', sa.Boolean(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_script', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)
    )
    create_tenant_table('property__ticket_category',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('response_value', sa.Integer(), nullable=False),
    sa.Column('response_unit', sa.String(length=12), nullable=False),
    sa.Column('onsite_value', sa.Integer(), nullable=True),
    sa.Column('onsite_unit', sa.String(length=12), nullable=True),
    sa.Column('complete_value', sa.Integer(), nullable=False),
    sa.Column('complete_unit', sa.String(length=12), nullable=False),
    sa.Column('counts_for_assessment', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    uniques=(('code',),)
    )
    create_tenant_table('property__ticket',
    sa.Column('ref_no', sa.String(length=24), nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=True),
    sa.Column('compound_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('building_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_label', sa.String(length=40), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('area', sa.String(length=8), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('warranty', sa.Boolean(), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('reporter_person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reporter_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('contact_enc', sa.String(length=200), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('entry_permission', sa.String(length=12), nullable=False),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('assignee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.Column('response_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('onsite_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('complete_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline_explain', sa.Text(), nullable=False),
    sa.Column('clock_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_provider_action_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_to_community_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('grid_event_ref', sa.String(length=40), nullable=True),
    sa.Column('deferred_until', sa.Date(), nullable=True),
    sa.Column('decline_reason', sa.String(length=24), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.String(length=10), nullable=True),
    sa.Column('rating_reasons', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('callback_result', sa.String(length=16), nullable=True),
    sa.Column('callback_attempts', sa.Integer(), nullable=False),
    sa.Column('close_reason', sa.String(length=24), nullable=True),
    sa.Column('reopen_n', sa.Integer(), nullable=False),
    sa.Column('is_mirror', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('onsite_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    tenant_fks=(('category_id', 'property__ticket_category'), ('building_id', 'org_unit'), ('provider_id', 'property__company'), ('incident_id', 'property__incident'), ('compound_id', 'org_unit'), ('household_id', 'org_unit'), ('reporter_person_id', 'person')),
    indexes=(('compound_id', 'state'), ('grid_event_ref',), ('provider_id', 'state')),
    uniques=(('ref_no',),)
    )
    create_tenant_table('property__ticket_action',
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor_role', sa.String(length=12), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('visible_to_resident', sa.Boolean(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    tenant_fks=(('ticket_id', 'property__ticket'),),
    indexes=(('ticket_id',),)
    )
    append_only()


def append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""CREATE FUNCTION property_ticket_action_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND current_setting('jiceng.purge', true) = 'on' THEN RETURN OLD; END IF;
              RAISE EXCEPTION 'property__ticket_action is append-only: add a new action instead' USING ERRCODE = '55000';
            END $$""")
        op.execute("CREATE TRIGGER property__ticket_action_append_only BEFORE UPDATE OR DELETE ON property__ticket_action "
                   "FOR EACH ROW EXECUTE FUNCTION property_ticket_action_append_only()")
        return
    op.execute("CREATE TRIGGER property__ticket_action_no_update BEFORE UPDATE ON property__ticket_action "
               "BEGIN SELECT RAISE(ABORT, 'property__ticket_action is append-only: add a new action instead'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS property__ticket_action_append_only ON property__ticket_action")
        op.execute("DROP FUNCTION IF EXISTS property_ticket_action_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS property__ticket_action_no_update")
    drop_tenant_table('property__ticket_action')
    drop_tenant_table('property__ticket')
    drop_tenant_table('property__ticket_category')
    drop_tenant_table('property__incident')
