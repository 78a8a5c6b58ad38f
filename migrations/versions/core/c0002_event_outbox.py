"""event outbox and scheduled job runs

Revision ID: c0002
Revises: c0001
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        "event_outbox",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        indexes=(("dispatched_at", "next_attempt_at"),),
    )
    create_tenant_table(
        "job_run",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.String(16), nullable=False),
        uniques=(("job",),),
    )


def downgrade() -> None:
    drop_tenant_table("job_run")
    drop_tenant_table("event_outbox")
