"""frozen monthly KPI snapshots with restatements

Revision ID: grid_0004
Revises: grid_0003
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0004"
down_revision = "grid_0003"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "grid__kpi_snapshot",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("metric", sa.String(24), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restates_id", BIG, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", BIG, nullable=True),
        tenant_fks=(("restates_id", "grid__kpi_snapshot"),),
        indexes=(("period", "metric"),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__kpi_snapshot")
