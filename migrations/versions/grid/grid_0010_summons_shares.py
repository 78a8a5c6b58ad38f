"""summons (吹哨报到) as child tasks, audited L3 shares with a district department, hotspot root causes

Revision ID: grid_0010
Revises: grid_0009
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0010"
down_revision = "grid_0009"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_tenant_table(
        "grid__summons",
        sa.Column("event_id", BIG, nullable=False),
        sa.Column("unit_id", BIG, nullable=True),
        sa.Column("resident_unit_id", BIG, nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("dispatched_at", TS, nullable=False),
        sa.Column("sign_due", TS, nullable=False),
        sa.Column("deadline_explain", sa.JSON(), nullable=False),
        sa.Column("signed_at", TS, nullable=True),
        sa.Column("signed_by", BIG, nullable=True),
        sa.Column("responded_at", TS, nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_by", BIG, nullable=True),
        sa.Column("reminded_at", TS, nullable=True),
        sa.Column("created_by", BIG, nullable=True),
        tenant_fks=(("event_id", "grid__event"), ("unit_id", "org_unit"), ("resident_unit_id", "resident_unit")),
        indexes=(("event_id", "id"), ("signed_at", "sign_due")),
    )
    create_tenant_table(
        "grid__share",
        sa.Column("event_id", BIG, nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("level_before", sa.Integer(), nullable=False),
        sa.Column("shared_by", BIG, nullable=True),
        sa.Column("shared_at", TS, nullable=False),
        sa.Column("withdrawn_at", TS, nullable=True),
        sa.Column("withdrawn_by", BIG, nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        tenant_fks=(("event_id", "grid__event"),),
        indexes=(("event_id", "id"),),
    )
    op.create_index("uq_grid__share_tenant_id_event_id_live", "grid__share", ["tenant_id", "event_id"], unique=True,
                    sqlite_where=sa.text("withdrawn_at IS NULL"), postgresql_where=sa.text("withdrawn_at IS NULL"))
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("root_cause", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_column("root_cause")
    op.drop_index("uq_grid__share_tenant_id_event_id_live", "grid__share")
    drop_tenant_table("grid__share")
    drop_tenant_table("grid__summons")
