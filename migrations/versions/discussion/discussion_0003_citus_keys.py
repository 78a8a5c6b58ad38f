"""primary keys (tenant_id, id), so Citus can distribute every discussion tenant table by tenant

On PostgreSQL each of the branch's tenant tables (every table with tenant_id that core.citus does not
declare a reference table) gets PRIMARY KEY (tenant_id, id) in place of PRIMARY KEY (id). Ids keep
coming from the same sequence, so they stay unique and the models keep id as their identity. The
tables are read from the database, so a table added earlier in the branch is included whatever
order the branch's scripts end up in; one that already has the key is left alone. SQLite keeps
id INTEGER PRIMARY KEY (its rowid): Citus is PostgreSQL only. See core.migrate_ops.tenant_primary_key.

Revision ID: discussion_0003
Revises: discussion_0002
"""
from core.migrate_ops import id_primary_key, tenant_primary_key, tenant_tables_of

revision = "discussion_0003"
down_revision = "discussion_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenant_primary_key(*tenant_tables_of("discussion"))


def downgrade() -> None:
    id_primary_key(*tenant_tables_of("discussion"))
