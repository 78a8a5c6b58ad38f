"""staff acting for a resident (代居民提出议题) keep a time-boxed log row with its reason; a covenant
remembers when its expiry alert went out, so the daily job alerts once

Revision ID: discussion_0002
Revises: discussion_0001
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "discussion_0002"
down_revision = "discussion_0001"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("discussion__covenant") as batch:
        batch.add_column(sa.Column("alerted_on", sa.Date(), nullable=True))
    create_tenant_table(
        "discussion__proxy",
        sa.Column("station_id", BIG, nullable=False),
        sa.Column("staff_id", BIG, nullable=False),
        sa.Column("resident_name", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matter_ids", sa.JSON(), nullable=False),
        tenant_fks=(("station_id", "discussion__station"),),
        indexes=(("staff_id", "started_at"),),
    )


def downgrade() -> None:
    drop_tenant_table("discussion__proxy")
    with op.batch_alter_table("discussion__covenant") as batch:
        batch.drop_column("alerted_on")
