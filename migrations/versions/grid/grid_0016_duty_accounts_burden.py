"""the duty roster names the account to alert (a CRITICAL event reaches whoever is on duty now), an
event with no grid keeps the community it was reported from (its 未定位 queue), and staff's 投诉建议
about 减负 rules being broken

Revision ID: grid_0016
Revises: grid_0015
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "grid_0016"
down_revision = "grid_0015"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("grid__duty") as batch:
        batch.add_column(sa.Column("account_id", BIG, nullable=True))
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("community_id", BIG, nullable=True))
        batch.create_foreign_key("fk_grid__event_tenant_id_community_id_org_unit", "org_unit",
                                 ["tenant_id", "community_id"], ["tenant_id", "id"])
    create_tenant_table(
        "grid__burden_report",
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("org_unit_id", BIG, nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", BIG, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        tenant_fks=(("org_unit_id", "org_unit"),),
        indexes=(("created_at",),),
    )


def downgrade() -> None:
    drop_tenant_table("grid__burden_report")
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_constraint("fk_grid__event_tenant_id_community_id_org_unit", type_="foreignkey")
        batch.drop_column("community_id")
    with op.batch_alter_table("grid__duty") as batch:
        batch.drop_column("account_id")
