"""hello notes

Revision ID: hello_0001
Revises:
"""
import sqlalchemy as sa

from core.api import create_tenant_table, drop_tenant_table

revision = "hello_0001"
down_revision = None
branch_labels = ("hello",)
depends_on = None


def upgrade() -> None:
    create_tenant_table(
        "hello__note",
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        indexes=(("created_at",),),
    )


def downgrade() -> None:
    drop_tenant_table("hello__note")
