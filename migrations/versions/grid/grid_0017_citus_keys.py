"""primary keys (tenant_id, id), so Citus can distribute every grid tenant table by tenant

On PostgreSQL each of the branch's tenant tables (every table with tenant_id that core.citus does not
declare a reference table) gets PRIMARY KEY (tenant_id, id) in place of PRIMARY KEY (id). Ids keep
coming from the same sequence, so they stay unique and the models keep id as their identity. The
tables are read from the database, so a table added earlier in the branch is included whatever
order the branch's scripts end up in; one that already has the key is left alone. SQLite keeps
id INTEGER PRIMARY KEY (its rowid): Citus is PostgreSQL only. See core.migrate_ops.tenant_primary_key.

Revision ID: grid_0017
Revises: grid_0016
"""
from core.migrate_ops import id_primary_key, tenant_primary_key, tenant_tables_of

revision = "grid_0017"
down_revision = "grid_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenant_primary_key(*tenant_tables_of("grid"))


def downgrade() -> None:
    id_primary_key(*tenant_tables_of("grid"))
