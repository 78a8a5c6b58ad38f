"""API keys for machine clients (Open311 platforms); tenant admins may manage them

Revision ID: c0004
Revises: c0003
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
PERMISSION = "core.apikeys.manage"


def upgrade() -> None:
    create_tenant_table(
        "api_key",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", BIG, nullable=True),
        uniques=(("secret_hash",),),
    )
    _tenant_admins(lambda perms: perms if PERMISSION in perms else [*perms, PERMISSION])


def downgrade() -> None:
    _tenant_admins(lambda perms: [p for p in perms if p != PERMISSION])
    drop_tenant_table("api_key")


def _tenant_admins(change) -> None:
    """Existing tenants' built-in 单位管理员 role gets (or loses) the new permission."""
    role = sa.table("role", sa.column("id", BIG), sa.column("code", sa.String), sa.column("builtin", sa.Boolean),
                    sa.column("permissions", sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(role.c.id, role.c.permissions)
                        .where(role.c.code == "tenant_admin", role.c.builtin.is_(True))).all()
    for row_id, perms in rows:
        new = change(list(perms or []))
        if new != list(perms or []):
            bind.execute(sa.update(role).where(role.c.id == row_id).values(permissions=new))
