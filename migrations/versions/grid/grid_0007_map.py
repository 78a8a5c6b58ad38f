"""grid map: boundary versions (split, merge), event points, duplicate radius per category

Revision ID: grid_0007
Revises: grid_0006
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0007"
down_revision = "grid_0006"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_tenant_table(
        "grid__profile",
        sa.Column("grid_id", BIG, nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("boundary", sa.JSON(), nullable=False),
        sa.Column("west", sa.Float(), nullable=False),
        sa.Column("south", sa.Float(), nullable=False),
        sa.Column("east", sa.Float(), nullable=False),
        sa.Column("north", sa.Float(), nullable=False),
        sa.Column("households_est", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("supersedes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("actor_id", BIG, nullable=True),
        tenant_fks=(("grid_id", "org_unit"),),
        indexes=(("grid_id", "version_no"), ("valid_to", "west")),
    )
    op.create_index("uq_grid__profile_tenant_id_grid_id_current", "grid__profile", ["tenant_id", "grid_id"],
                    unique=True, sqlite_where=sa.text("valid_to IS NULL"),
                    postgresql_where=sa.text("valid_to IS NULL"))
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("grid_version", BIG, nullable=True))
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lng", sa.Float(), nullable=True))
        batch.create_foreign_key("fk_grid__event_tenant_id_grid_version_grid__profile", "grid__profile",
                                 ["tenant_id", "grid_version"], ["tenant_id", "id"])
    op.create_index("ix_grid__event_tenant_id_category_id_created_at", "grid__event",
                    ["tenant_id", "category_id", "created_at"])
    with op.batch_alter_table("grid__category") as batch:
        batch.add_column(sa.Column("dup_radius_m", sa.Integer(), nullable=False, server_default="50"))


def downgrade() -> None:
    with op.batch_alter_table("grid__category") as batch:
        batch.drop_column("dup_radius_m")
    op.drop_index("ix_grid__event_tenant_id_category_id_created_at", "grid__event")
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_constraint("fk_grid__event_tenant_id_grid_version_grid__profile", type_="foreignkey")
        batch.drop_column("lng")
        batch.drop_column("lat")
        batch.drop_column("grid_version")
    drop_tenant_table("grid__profile")
