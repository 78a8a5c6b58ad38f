"""notes keyed (tenant_id, id), so Citus can distribute them by tenant

PostgreSQL only (SQLite keeps id INTEGER PRIMARY KEY, its rowid); ids keep coming from the same
sequence, so the model keeps id as its identity. A database whose note table already has the key
(made by a newer create_tenant_table) is left alone.

Revision ID: hello_0002
Revises: hello_0001
"""
from core.api import id_primary_key, tenant_primary_key

revision = "hello_0002"
down_revision = "hello_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenant_primary_key("hello__note")


def downgrade() -> None:
    id_primary_key("hello__note")
