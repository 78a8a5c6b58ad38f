"""Case references: one number for a resident's matter across modules

Revision ID: c0007
Revises: c0006
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "c0007"
down_revision = "c0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "case_file",
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        uniques=(("number",),),
    )
    create_tenant_table(
        "case_step",
        sa.Column("case_id", BIG, nullable=False),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("endpoint", sa.String(128), nullable=False),
        sa.Column("url_args", sa.JSON(), nullable=False),
        sa.Column("org_unit_id", BIG, nullable=False),
        sa.Column("permission", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        tenant_fks=(("case_id", "case_file"), ("org_unit_id", "org_unit")),
        uniques=(("kind", "object_id"),),
        indexes=(("case_id", "id"),),
    )


def downgrade() -> None:
    drop_tenant_table("case_step")
    drop_tenant_table("case_file")
