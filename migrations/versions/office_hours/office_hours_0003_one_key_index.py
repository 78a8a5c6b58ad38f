"""no second unique index repeating the primary key of office_hours' tenant tables

On PostgreSQL the branch's tenant tables are keyed (tenant_id, id) since the citus_keys revision, and
UNIQUE(tenant_id, id) repeated that key: the same index twice, each kept up on every write. It is
dropped, and the composite foreign keys that rested on it are made again on the primary key.
SQLite keeps it (its key is id alone, and the foreign keys point at the unique index); the models
declare it for SQLite. See core.migrate_ops.drop_duplicate_unique.

Revision ID: office_hours_0003
Revises: office_hours_0002
"""
from core.migrate_ops import add_duplicate_unique, drop_duplicate_unique, tenant_tables_of

revision = "office_hours_0003"
down_revision = "office_hours_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_duplicate_unique(*tenant_tables_of("office_hours"))


def downgrade() -> None:
    add_duplicate_unique(*tenant_tables_of("office_hours"))
