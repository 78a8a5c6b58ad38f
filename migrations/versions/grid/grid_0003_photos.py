"""grid event photos

Revision ID: grid_0003
Revises: grid_0002
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0003"
down_revision = "grid_0002"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "grid__photo",
        sa.Column("event_id", BIG, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("stored_name", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", BIG, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        tenant_fks=(("event_id", "grid__event"),),
        indexes=(("event_id",),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__photo")
