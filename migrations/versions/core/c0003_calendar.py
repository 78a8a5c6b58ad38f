"""working-day calendar: national notices and tenant overrides

Revision ID: c0003
Revises: c0002
"""
import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("notice_ref", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("day", name="uq_calendar_day_day"),
    )
    op.create_table(
        "calendar_override",
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", BIG, sa.ForeignKey("tenant.id", name="fk_calendar_override_tenant_id_tenant"),
                  nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_type", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.UniqueConstraint("tenant_id", "day", name="uq_calendar_override_tenant_id_day"),
    )
    op.create_index("ix_calendar_override_tenant_day", "calendar_override", ["tenant_id", "day"])
    if op.get_bind().dialect.name == "postgresql":
        from core.migrate_ops import grant_runtime_role
        grant_runtime_role()


def downgrade() -> None:
    op.drop_index("ix_calendar_override_tenant_day", "calendar_override")
    op.drop_table("calendar_override")
    op.drop_table("calendar_day")
