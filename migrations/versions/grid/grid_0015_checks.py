"""independent checks and extension requests: who was assigned the check (T18), and an extension
requested by the handler before the deadline, waiting for approval (T15)

Revision ID: grid_0015
Revises: grid_0014
"""
import sqlalchemy as sa
from alembic import op

revision = "grid_0015"
down_revision = "grid_0014"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("checker_id", BIG, nullable=True))
        batch.add_column(sa.Column("extension_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("extension_request_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_column("extension_request_days")
        batch.drop_column("extension_requested_at")
        batch.drop_column("checker_id")
