"""accounting periods, late postings and requests for a second approver

Every ledger transaction now names its accounting period (``period_id``) and whether it arrived
after that month was closed (``late_posting``); ``approved_by`` is the second person on a large
BONUS/DEDUCT or a void in a closed period. ``volunteer__period`` holds each month's state and, once
closed, its sealed totals and export checksum; ``volunteer__second_approval`` holds what waits for
the second person. Transactions written before this revision have no period and count in the
month of their business date.

The three columns are added in place (``ALTER TABLE … ADD COLUMN``), never by rebuilding the
append-only table: on SQLite a rebuild drops the table its entries point at. For the same reason
``period_id`` carries no foreign key; the posting service writes it from the period row it read.

Revision ID: volunteer_0003
Revises: volunteer_0002
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "volunteer_0003"
down_revision = "volunteer_0002"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_tenant_table(
        "volunteer__period",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("closing_by", BIG, nullable=True),
        sa.Column("closing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", BIG, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("export_checksum", sa.String(length=64), nullable=False),
        uniques=(("month",),))
    op.add_column("volunteer__txn", sa.Column("approved_by", BIG, nullable=True))
    op.add_column("volunteer__txn", sa.Column("period_id", BIG, nullable=True))
    op.add_column("volunteer__txn", sa.Column("late_posting", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_volunteer__txn_tenant_id_period_id", "volunteer__txn", ["tenant_id", "period_id"])
    create_tenant_table(
        "volunteer__second_approval",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("volunteer_id", BIG, nullable=False),
        sa.Column("org_unit_id", BIG, nullable=False),
        sa.Column("record_id", BIG, nullable=True),
        sa.Column("txn_type", sa.String(length=16), nullable=False),
        sa.Column("points", BIG, nullable=False),
        sa.Column("reason_code", sa.String(length=16), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("requested_by", BIG, nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_by", BIG, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=200), nullable=False),
        sa.Column("txn_id", BIG, nullable=True),
        tenant_fks=(("volunteer_id", "volunteer__profile"), ("record_id", "volunteer__record"),
                    ("org_unit_id", "org_unit"), ("txn_id", "volunteer__txn")),
        indexes=(("state", "id"),))


def downgrade() -> None:
    drop_tenant_table("volunteer__second_approval")
    op.drop_index("ix_volunteer__txn_tenant_id_period_id", "volunteer__txn")
    for column in ("late_posting", "period_id", "approved_by"):  # SQLite 3.35+ drops a column in place
        op.drop_column("volunteer__txn", column)
    drop_tenant_table("volunteer__period")
