"""data_stamp: a random number each tenant gets anew in every transaction that writes its rows

Revision ID: c0012
Revises: c0011

Pages keep what they rendered under the tenant's stamp (core.ui.fragments), so a write anywhere in
the tenant retires them at once. Existing tenants start with a random stamp of their own.
"""
import secrets

import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "c0012"
down_revision = "c0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tenant_table("data_stamp", sa.Column("stamp", sa.BigInteger(), nullable=False), uniques=(("tenant_id",),))
    conn = op.get_bind()
    tenants = conn.execute(sa.text("SELECT id FROM tenant")).scalars().all()
    if tenants:
        conn.execute(sa.text("INSERT INTO data_stamp (tenant_id, stamp) VALUES (:t, :s)"),
                     [{"t": t, "s": secrets.randbits(62)} for t in tenants])


def downgrade() -> None:
    drop_tenant_table("data_stamp")
