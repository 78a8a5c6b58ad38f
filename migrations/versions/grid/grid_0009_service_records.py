"""service-log sub-records (proxy services, mediation cases), care visit plans, events converted from logs and patrols

Revision ID: grid_0009
Revises: grid_0008
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0009"
down_revision = "grid_0008"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("grid__service_log") as batch:
        batch.add_column(sa.Column("household_id", BIG, nullable=True))
        batch.create_foreign_key("fk_grid__service_log_tenant_id_household_id_org_unit", "org_unit",
                                 ["tenant_id", "household_id"], ["tenant_id", "id"])
    with op.batch_alter_table("grid__patrol") as batch:
        batch.add_column(sa.Column("event_id", BIG, nullable=True))
        batch.create_foreign_key("fk_grid__patrol_tenant_id_event_id_grid__event", "grid__event",
                                 ["tenant_id", "event_id"], ["tenant_id", "id"])
    op.create_index("ix_grid__service_log_tenant_id_event_id", "grid__service_log", ["tenant_id", "event_id"])
    op.create_index("ix_grid__patrol_tenant_id_event_id", "grid__patrol", ["tenant_id", "event_id"])
    create_tenant_table(
        "grid__proxy_service",
        sa.Column("log_id", BIG, nullable=False),
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("docs_in", sa.Text(), nullable=False),
        sa.Column("docs_in_on", sa.Date(), nullable=True),
        sa.Column("docs_out", sa.Text(), nullable=False),
        sa.Column("docs_out_on", sa.Date(), nullable=True),
        sa.Column("ack_name", sa.String(64), nullable=True),
        sa.Column("ack_at", TS, nullable=True),
        sa.Column("ack_method", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        tenant_fks=(("log_id", "grid__service_log"), ("grid_id", "org_unit")),
        indexes=(("grid_id", "status"), ("created_at",)),
    )
    create_tenant_table(
        "grid__mediation_case",
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("log_id", BIG, nullable=True),
        sa.Column("event_id", BIG, nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("agreement_text", sa.Text(), nullable=True),
        sa.Column("agreement_on", sa.Date(), nullable=True),
        sa.Column("handoff_on", sa.Date(), nullable=True),
        sa.Column("handoff_reason", sa.Text(), nullable=True),
        sa.Column("responsible_id", BIG, nullable=True),
        sa.Column("reminded", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        tenant_fks=(("grid_id", "org_unit"), ("log_id", "grid__service_log"), ("event_id", "grid__event")),
        indexes=(("grid_id", "created_at"), ("agreement_on",)),
    )
    create_tenant_table(
        "grid__mediation_log",
        sa.Column("case_id", BIG, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(100), nullable=True),
        sa.Column("mediators", sa.String(200), nullable=True),
        sa.Column("follow_up_day", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("actor_id", BIG, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        tenant_fks=(("case_id", "grid__mediation_case"),),
        indexes=(("case_id", "id"),),
    )
    create_tenant_table(
        "grid__visit_plan",
        sa.Column("household_id", BIG, nullable=False),
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("care_type", sa.String(16), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("last_visit_at", TS, nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        tenant_fks=(("household_id", "org_unit"), ("grid_id", "org_unit")),
        indexes=(("grid_id", "next_due"), ("next_due",)),
        uniques=(("household_id", "care_type"),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__visit_plan")
    drop_tenant_table("grid__mediation_log")
    drop_tenant_table("grid__mediation_case")
    drop_tenant_table("grid__proxy_service")
    op.drop_index("ix_grid__patrol_tenant_id_event_id", "grid__patrol")
    op.drop_index("ix_grid__service_log_tenant_id_event_id", "grid__service_log")
    with op.batch_alter_table("grid__patrol") as batch:
        batch.drop_constraint("fk_grid__patrol_tenant_id_event_id_grid__event", type_="foreignkey")
        batch.drop_column("event_id")
    with op.batch_alter_table("grid__service_log") as batch:
        batch.drop_constraint("fk_grid__service_log_tenant_id_household_id_org_unit", type_="foreignkey")
        batch.drop_column("household_id")
