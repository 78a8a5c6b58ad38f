"""offline reports: the time the device captured the report

Revision ID: grid_0008
Revises: grid_0007
"""
import sqlalchemy as sa
from alembic import op

revision = "grid_0008"
down_revision = "grid_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("device_captured_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_column("device_captured_at")
