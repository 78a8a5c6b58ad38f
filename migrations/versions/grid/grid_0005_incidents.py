"""mass incidents: one case, many demands

Revision ID: grid_0005
Revises: grid_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "grid_0005"
down_revision = "grid_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("incident_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.drop_column("incident_until")
