"""stations, lists, claims, matters, meetings

Revision ID: discussion_0001
Revises:

Decisions are INSERT-only and approved minutes are locked: on PostgreSQL by triggers (on SQLite
the services refuse). Only a whole tenant's purge (demo reset, ``SET LOCAL jiceng.purge = 'on'``)
may delete them.
"""
from alembic import op
import sqlalchemy as sa
from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = 'discussion_0001'
down_revision = None
branch_labels = ('discussion',)
depends_on = None


LOCKS = (
    """CREATE FUNCTION discussion_decision_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('jiceng.purge', true) = 'on' THEN RETURN OLD; END IF;
      RAISE EXCEPTION 'discussion__decision is insert-only: a change is a new decision superseding it';
    END $$""",
    """CREATE TRIGGER discussion__decision_insert_only BEFORE UPDATE OR DELETE ON discussion__decision
    FOR EACH ROW EXECUTE FUNCTION discussion_decision_insert_only()""",
    """CREATE FUNCTION discussion_minutes_locked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('jiceng.purge', true) = 'on' THEN RETURN OLD; END IF;
      IF OLD.minutes_approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'approved minutes of discussion__meeting % are locked: corrections are addenda', OLD.id;
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER discussion__meeting_minutes_locked BEFORE UPDATE OR DELETE ON discussion__meeting
    FOR EACH ROW EXECUTE FUNCTION discussion_minutes_locked()""",
)


def upgrade() -> None:
    create_tenant_table('discussion__version',
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('public_marker', sa.String(length=16), nullable=True)
    )
    with op.batch_alter_table('discussion__version', schema=None) as batch_op:
        batch_op.create_index('ix_discussion__version_tenant_id_entity', ['tenant_id', 'entity', 'entity_id'], unique=False)

    create_tenant_table('discussion__station',
    sa.Column('org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('quorum_fraction', sa.Float(), nullable=False),
    sa.Column('quorum_min', sa.Integer(), nullable=False),
    sa.Column('pass_rule', sa.String(length=24), nullable=False),
    sa.Column('publicity_days', sa.Integer(), nullable=False),
    sa.Column('decision_publicity', sa.Boolean(), nullable=False),
    sa.Column('support_freeze_n', sa.Integer(), nullable=False),
    sa.Column('min_meetings_per_quarter', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    tenant_fks=(('org_unit_id', 'org_unit'),),
    indexes=(('org_unit_id',),)
    )
    create_tenant_table('discussion__cycle',
    sa.Column('station_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('phase_dates', sa.JSON(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    tenant_fks=(('station_id', 'discussion__station'),),
    uniques=(('station_id', 'year', 'quarter'),)
    )
    create_tenant_table('discussion__item',
    sa.Column('cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('owner_type', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('owner_name', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.Column('unit_of_measure', sa.String(length=12), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('carried_from_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('claimed >= 0 AND claimed <= quantity', name=op.f('ck_discussion__item_ck_discussion__item_claimed')),
    tenant_fks=(('cycle_id', 'discussion__cycle'), ('carried_from_id', 'discussion__item')),
    indexes=(('cycle_id', 'kind'),)
    )
    create_tenant_table('discussion__matter',
    sa.Column('station_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ref_no', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('author_name', sa.String(length=64), nullable=False),
    sa.Column('on_behalf_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('on_behalf_reason', sa.String(length=200), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('origin_ref', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('screening_result', sa.String(length=16), nullable=True),
    sa.Column('screening_reason', sa.String(length=200), nullable=True),
    sa.Column('screened_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rollover_n', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('outcome_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('station_id', 'discussion__station'), ('cycle_id', 'discussion__cycle'), ('merged_into_id', 'discussion__matter')),
    indexes=(('station_id', 'state'),),
    uniques=(('origin', 'origin_ref'),)
    )
    create_tenant_table('discussion__meeting',
    sa.Column('station_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('quorum_required', sa.Integer(), nullable=False),
    sa.Column('present_voting', sa.Integer(), nullable=False),
    sa.Column('minutes_text', sa.Text(), nullable=False),
    sa.Column('minutes_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_approved_by', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=True),
    tenant_fks=(('cycle_id', 'discussion__cycle'), ('station_id', 'discussion__station')),
    indexes=(('cycle_id',),)
    )
    create_tenant_table('discussion__rollover',
    sa.Column('from_cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('to_cycle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('matter_ids', sa.JSON(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('to_cycle_id', 'discussion__cycle'), ('from_cycle_id', 'discussion__cycle'))
    )
    create_tenant_table('discussion__unit',
    sa.Column('resident_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('party_org_name', sa.String(length=100), nullable=True),
    sa.Column('contact_enc', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    tenant_fks=(('resident_unit_id', 'resident_unit'),),
    uniques=(('uscc',),)
    )
    create_tenant_table('discussion__agenda_item',
    sa.Column('meeting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('snapshot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('order_no', sa.Integer(), nullable=False),
    sa.Column('motion_text', sa.Text(), nullable=False),
    tenant_fks=(('meeting_id', 'discussion__meeting'),)
    )
    create_tenant_table('discussion__claim',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('claimant_type', sa.String(length=16), nullable=False),
    sa.Column('claimant_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('claimant_org_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('claimant_name', sa.String(length=100), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('resource_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('committed_on', sa.Date(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('verified_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdraw_reason', sa.String(length=200), nullable=True),
    sa.Column('decline_reason', sa.String(length=200), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_discussion__claim_ck_discussion__claim_quantity')),
    tenant_fks=(('claimant_unit_id', 'discussion__unit'), ('resource_item_id', 'discussion__item'), ('item_id', 'discussion__item')),
    indexes=(('item_id', 'state'),)
    )
    create_tenant_table('discussion__covenant',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_unit_ids', sa.JSON(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('commitments', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.Date(), nullable=True),
    tenant_fks=(('unit_id', 'discussion__unit'),)
    )
    create_tenant_table('discussion__member',
    sa.Column('station_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    tenant_fks=(('unit_id', 'discussion__unit'), ('person_id', 'person'), ('station_id', 'discussion__station')),
    indexes=(('station_id',),)
    )
    create_tenant_table('discussion__publicity',
    sa.Column('matter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject', sa.String(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    tenant_fks=(('matter_id', 'discussion__matter'),)
    )
    create_tenant_table('discussion__support',
    sa.Column('matter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    tenant_fks=(('matter_id', 'discussion__matter'),),
    uniques=(('matter_id', 'user_id'),)
    )
    create_tenant_table('discussion__attendance',
    sa.Column('meeting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    tenant_fks=(('member_id', 'discussion__member'), ('meeting_id', 'discussion__meeting')),
    uniques=(('meeting_id', 'member_id'),)
    )
    create_tenant_table('discussion__decision',
    sa.Column('meeting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agenda_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('supersedes_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    tenant_fks=(('supersedes_id', 'discussion__decision'), ('meeting_id', 'discussion__meeting'), ('agenda_item_id', 'discussion__agenda_item'))
    )
    create_tenant_table('discussion__objection',
    sa.Column('publicity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('by_user', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    tenant_fks=(('publicity_id', 'discussion__publicity'),)
    )
    create_tenant_table('discussion__vote',
    sa.Column('agenda_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('abstain', sa.Integer(), nullable=False),
    sa.Column('recused_member_ids', sa.JSON(), nullable=False),
    sa.Column('eligible_present', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('votes_for + votes_against + abstain <= eligible_present', name=op.f('ck_discussion__vote_ck_discussion__vote_tally')),
    tenant_fks=(('agenda_item_id', 'discussion__agenda_item'),)
    )
    create_tenant_table('discussion__project',
    sa.Column('station_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('matter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('lead_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_discussion__project_ck_discussion__project_progress')),
    tenant_fks=(('lead_unit_id', 'discussion__unit'), ('matter_id', 'discussion__matter'), ('station_id', 'discussion__station'), ('decision_id', 'discussion__decision'))
    )
    create_tenant_table('discussion__milestone',
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('publication_date', sa.Date(), nullable=True),
    tenant_fks=(('project_id', 'discussion__project'),)
    )
    if op.get_bind().dialect.name == "postgresql":
        for sql in LOCKS:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS discussion__decision_insert_only ON discussion__decision")
        op.execute("DROP TRIGGER IF EXISTS discussion__meeting_minutes_locked ON discussion__meeting")
        op.execute("DROP FUNCTION IF EXISTS discussion_decision_insert_only()")
        op.execute("DROP FUNCTION IF EXISTS discussion_minutes_locked()")
    drop_tenant_table('discussion__milestone')
    drop_tenant_table('discussion__project')
    drop_tenant_table('discussion__vote')
    drop_tenant_table('discussion__objection')
    drop_tenant_table('discussion__decision')
    drop_tenant_table('discussion__attendance')
    drop_tenant_table('discussion__support')
    drop_tenant_table('discussion__publicity')
    drop_tenant_table('discussion__member')
    drop_tenant_table('discussion__covenant')
    drop_tenant_table('discussion__claim')
    drop_tenant_table('discussion__agenda_item')
    drop_tenant_table('discussion__unit')
    drop_tenant_table('discussion__rollover')
    drop_tenant_table('discussion__meeting')
    drop_tenant_table('discussion__matter')
    drop_tenant_table('discussion__item')
    drop_tenant_table('discussion__cycle')
    drop_tenant_table('discussion__station')
    drop_tenant_table('discussion__version')
