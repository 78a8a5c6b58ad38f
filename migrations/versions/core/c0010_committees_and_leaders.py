"""Two-committee seats by term and county-level leaders' links to communities

Revision ID: c0010
Revises: c0009

The district's cadre figures (一肩挑, education of the two committees now and last term, young
cadres, leaders linked to communities) are counted from these rows, never typed in.
``leader_link`` belongs to the district and names a street's community by street and code.
"""
import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "c0010"
down_revision = "c0009"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "committee_member",
        sa.Column("community_id", BIG, nullable=False),
        sa.Column("person_id", BIG, nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("secretary", sa.Boolean(), nullable=False),
        sa.Column("director", sa.Boolean(), nullable=False),
        sa.Column("education", sa.String(8), nullable=False),
        sa.Column("young_cadre", sa.Boolean(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        tenant_fks=(("community_id", "org_unit"), ("person_id", "person")),
        uniques=(("community_id", "person_id", "term_start"),),
        indexes=(("community_id", "term_start"),),
    )
    create_tenant_table(
        "leader_link",
        sa.Column("leader_id", BIG, nullable=False),
        sa.Column("street_id", BIG, sa.ForeignKey("tenant.id", name="fk_leader_link_street_id_tenant"), nullable=False),
        sa.Column("community_code", sa.String(64), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        tenant_fks=(("leader_id", "person"),),
        uniques=(("leader_id", "street_id", "community_code"),),
    )


def downgrade() -> None:
    drop_tenant_table("leader_link")
    drop_tenant_table("committee_member")
