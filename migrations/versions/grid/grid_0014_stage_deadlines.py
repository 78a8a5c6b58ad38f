"""stage deadlines: each stage's own clock start, the handling deadline, and the limits in force at dispatch

Revision ID: grid_0014
Revises: grid_0013
"""
import sqlalchemy as sa
from alembic import op

revision = "grid_0014"
down_revision = "grid_0013"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        batch.add_column(sa.Column("stage_started_at", TS, nullable=True))
        batch.add_column(sa.Column("handle_deadline", TS, nullable=True))
        batch.add_column(sa.Column("dispatched_at", TS, nullable=True))
        batch.add_column(sa.Column("limits", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("grid__event") as batch:
        for name in ("limits", "dispatched_at", "handle_deadline", "stage_started_at"):
            batch.drop_column(name)
