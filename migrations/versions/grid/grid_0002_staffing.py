"""grid staffing, service logs and patrols

Revision ID: grid_0002
Revises: grid_0001
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0002"
down_revision = "grid_0001"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_tenant_table(
        "grid__assignment",
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("person_id", BIG, nullable=False),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("agency", sa.String(32), nullable=True),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("created_by", BIG, nullable=True),
        tenant_fks=(("grid_id", "org_unit"), ("person_id", "person")),
        indexes=(("grid_id", "valid_to"),),
    )
    op.create_index("uq_grid__assignment_tenant_id_grid_id_leader", "grid__assignment", ["tenant_id", "grid_id"],
                    unique=True, sqlite_where=sa.text("role = 'grid_leader' AND valid_to IS NULL"),
                    postgresql_where=sa.text("role = 'grid_leader' AND valid_to IS NULL"))
    create_tenant_table(
        "grid__service_log",
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("service_type", sa.String(16), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor_id", BIG, nullable=True),
        sa.Column("event_id", BIG, nullable=True),
        tenant_fks=(("grid_id", "org_unit"), ("event_id", "grid__event")),
        indexes=(("grid_id", "occurred_at"),),
    )
    create_tenant_table(
        "grid__patrol",
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("actor_id", BIG, nullable=True),
        tenant_fks=(("grid_id", "org_unit"),),
        indexes=(("grid_id", "started_at"),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__patrol")
    drop_tenant_table("grid__service_log")
    drop_tenant_table("grid__assignment")
