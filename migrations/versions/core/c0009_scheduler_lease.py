"""A lease so one worker at a time runs the scheduled jobs and the event sweeper

Revision ID: c0009
Revises: c0008

Each gunicorn worker runs a scheduler thread; the one holding ``scheduler_lease`` runs the jobs,
the others skip the round. The lease is taken and renewed by one conditional UPDATE and expires
on its own when its worker dies. One row per lease name, installation-wide: no tenant, no RLS.
"""
import sqlalchemy as sa
from alembic import op

revision = "c0009"
down_revision = "c0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_lease")
