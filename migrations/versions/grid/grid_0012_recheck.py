"""the sample re-check of self-handled closures (T5): which ones were drawn and how the check went

Revision ID: grid_0012
Revises: grid_0011
"""
import sqlalchemy as sa
from alembic import op

revision = "grid_0012"
down_revision = "grid_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("recheck", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_column("recheck")
