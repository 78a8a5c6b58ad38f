"""subscribers: people who follow an event in progress instead of reporting it again

Revision ID: grid_0011
Revises: grid_0010
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0011"
down_revision = "grid_0010"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "grid__subscriber",
        sa.Column("event_id", BIG, nullable=False),
        sa.Column("name", sa.String(64), nullable=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        tenant_fks=(("event_id", "grid__event"),),
        indexes=(("event_id", "id"),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__subscriber")
