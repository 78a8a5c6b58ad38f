"""the duty roster (值班): who takes reports for a street or community, by day and shift

Revision ID: grid_0013
Revises: grid_0012
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0013"
down_revision = "grid_0012"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "grid__duty",
        sa.Column("org_unit_id", BIG, nullable=False),
        sa.Column("duty_date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(8), nullable=False),
        sa.Column("person_id", BIG, nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        tenant_fks=(("org_unit_id", "org_unit"), ("person_id", "person")),
        indexes=(("duty_date", "org_unit_id"),),
        uniques=(("org_unit_id", "duty_date", "shift", "person_id"),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__duty")
