"""security_stamp: one random number, replaced by every transaction that changes who may do what

Revision ID: c0014
Revises: c0013

Workers keep who is signed in and what they may do in a tenant under this stamp
(core.tenancy.admission), so a signed-in page asks the database one question instead of three. One row
for the installation: no tenant, no RLS; a reference table under Citus.
"""
import secrets

import sqlalchemy as sa
from alembic import op

from core.migrate_ops import grant_runtime_role

revision = "c0014"
down_revision = "c0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_stamp")),
    )
    op.execute(sa.text("INSERT INTO security_stamp (id, stamp) VALUES (1, :s)").bindparams(s=secrets.randbits(62)))
    grant_runtime_role()


def downgrade() -> None:
    op.drop_table("security_stamp")
