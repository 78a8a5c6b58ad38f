"""grid categories, events and their timeline

Revision ID: grid_0001
Revises:
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0001"
down_revision = None
branch_labels = ("grid",)
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_tenant_table(
        "grid__category",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("bucket", sa.String(20), nullable=False),
        sa.Column("profile", sa.String(16), nullable=False),
        sa.Column("limit_value", sa.Integer(), nullable=False),
        sa.Column("limit_unit", sa.String(16), nullable=False),
        sa.Column("grid_solvable", sa.Boolean(), nullable=False),
        sa.Column("self_handle_allowed", sa.Boolean(), nullable=False),
        sa.Column("default_level", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        uniques=(("code",),),
    )
    create_tenant_table(
        "grid__event",
        sa.Column("ref_no", sa.String(32), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", BIG, nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("max_level", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reporter_name", sa.String(64), nullable=True),
        sa.Column("reporter_phone", sa.String(20), nullable=True),
        sa.Column("anonymity", sa.String(16), nullable=False),
        sa.Column("grid_id", BIG, nullable=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("handler_unit_id", BIG, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("rework_n", sa.Integer(), nullable=False),
        sa.Column("return_n", sa.Integer(), nullable=False),
        sa.Column("reopen_n", sa.Integer(), nullable=False),
        sa.Column("extension_n", sa.Integer(), nullable=False),
        sa.Column("check_n", sa.Integer(), nullable=False),
        sa.Column("demand_n", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("stage_deadline", TS, nullable=True),
        sa.Column("case_deadline", TS, nullable=True),
        sa.Column("deadline_explain", sa.JSON(), nullable=False),
        sa.Column("calendar_complete", sa.Boolean(), nullable=False),
        sa.Column("suspended_remaining_s", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("handled_by", BIG, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closure_type", sa.String(24), nullable=True),
        sa.Column("callback_result", sa.String(16), nullable=True),
        sa.Column("case_on_time", sa.Boolean(), nullable=True),
        sa.Column("suspended_at_deadline", sa.Boolean(), nullable=False),
        sa.Column("master_id", BIG, nullable=True),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        tenant_fks=(("category_id", "grid__category"), ("grid_id", "org_unit"), ("handler_unit_id", "org_unit"),
                    ("master_id", "grid__event")),
        uniques=(("ref_no",),),
        indexes=(("created_at", "id"), ("state", "stage_deadline"), ("closed_at",)),
    )
    create_tenant_table(
        "grid__event_transition",
        sa.Column("event_id", BIG, nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("actor_id", BIG, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        tenant_fks=(("event_id", "grid__event"),),
        indexes=(("event_id", "id"),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__event_transition")
    drop_tenant_table("grid__event")
    drop_tenant_table("grid__category")
