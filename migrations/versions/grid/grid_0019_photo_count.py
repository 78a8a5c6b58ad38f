"""photo_n: how many photos an event has, so its page reads the photos only when there are some

Revision ID: grid_0019
Revises: grid_0018
"""
import sqlalchemy as sa
from alembic import op

revision = "grid_0019"
down_revision = "grid_0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("grid__event", sa.Column("photo_n", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE grid__event SET photo_n = (SELECT count(*) FROM grid__photo p "
               "WHERE p.tenant_id = grid__event.tenant_id AND p.event_id = grid__event.id) "
               "WHERE EXISTS (SELECT 1 FROM grid__photo p "
               "WHERE p.tenant_id = grid__event.tenant_id AND p.event_id = grid__event.id)")


def downgrade() -> None:
    # in place on both (SQLite 3.35+): a batch copy of the table would trip the foreign keys pointing at it
    op.execute("ALTER TABLE grid__event DROP COLUMN photo_n")
