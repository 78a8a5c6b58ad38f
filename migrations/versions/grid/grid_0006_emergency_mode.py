"""emergency mode: the only time patrol routes are kept

Revision ID: grid_0006
Revises: grid_0005
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0006"
down_revision = "grid_0005"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_tenant_table(
        "grid__emergency_mode",
        sa.Column("task_name", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("grid_ids", sa.JSON(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("approved_by", BIG, nullable=True),
        sa.Column("purged_at", TS, nullable=True),
        indexes=(("ends_at",),),
    )
    with op.batch_alter_table("grid__patrol") as batch:
        batch.add_column(sa.Column("route", sa.Text(), nullable=True))
        batch.add_column(sa.Column("emergency_id", BIG, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid__patrol") as batch:
        batch.drop_column("emergency_id")
        batch.drop_column("route")
    drop_tenant_table("grid__emergency_mode")
