"""What the runtime role may do to each table, declared once and applied after every upgrade.

Migrations grant the runtime role plain DML on what they create; the end of every ``jiceng db
upgrade`` then brings each table back to this list, so a plugin migration that grants too much is
corrected, and the catalog test compares the database with the same list:

- the audit trails are append-only (no UPDATE or DELETE), and ``platform_audit`` is not even read
  back: a stolen runtime connection can neither rewrite nor mine them;
- migration bookkeeping is read-only;
- hook errors are written and purged, never rewritten;
- password hashes, TOTP secrets and recovery codes cannot be selected; sign-in reads one account's
  at a time through ``jiceng_sign_in_secrets`` (``core.auth.credentials``);
- a plugin's append-only tables (``PluginManifest.append_only``: ledgers, journals) are read and
  inserted, never updated or deleted. A plugin can only narrow its own tables this way, never widen.
"""
from __future__ import annotations

from sqlalchemy import text

DML = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
APPEND_ONLY = frozenset({"SELECT", "INSERT"})
SECRET_COLUMNS = {"user_account": ("password_hash", "totp_secret", "recovery_codes")}
TABLES = {
    "audit_log": frozenset({"SELECT", "INSERT"}),
    "platform_audit": frozenset({"INSERT"}),
    "plugin_error": frozenset({"SELECT", "INSERT", "DELETE"}),
    # SELECT on the table is replaced by SELECT on every column but the secrets
    "user_account": frozenset({"INSERT", "UPDATE", "DELETE"}),
}
#: functions that run with the owner's rights, each answering one narrow question
SECURITY_DEFINERS = frozenset({"jiceng_users_beyond", "jiceng_sign_in_secrets", "jiceng_admission"})


def from_plugins(plugins=None) -> dict[str, frozenset[str]]:
    """{table: privileges} that the installed plugins declare in their manifests (``append_only``);
    ``plugins`` is a registry, the application's by default."""
    if plugins is None:
        from ..plugins.manager import registry
        plugins = registry()
    return {table: APPEND_ONLY for loaded in plugins.plugins.values()
            for table in getattr(loaded.manifest, "append_only", ())}


def declared(table: str, plugins=None) -> frozenset[str]:
    """What the runtime role may do to ``table``: core's list, then what a plugin declared, else DML."""
    if table == "alembic_version" or table.startswith("alembic_version__"):
        return frozenset({"SELECT"})
    if table in TABLES:
        return TABLES[table]
    return from_plugins(plugins).get(table, DML)


def apply(conn, role: str, plugins=None) -> bool:
    """Bring the runtime role's table privileges to the declared list (PostgreSQL); False when the
    cluster has no such role."""
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if not exists:
        return False
    tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    for table in tables:
        conn.exec_driver_sql(f'REVOKE ALL ON "{table}" FROM {role}')
        conn.exec_driver_sql(f'GRANT {", ".join(sorted(declared(table, plugins)))} ON "{table}" TO {role}')
        if table in SECRET_COLUMNS:
            columns = conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = :t AND NOT (column_name = ANY (:secret)) ORDER BY ordinal_position"),
                {"t": table, "secret": list(SECRET_COLUMNS[table])}).scalars().all()
            conn.exec_driver_sql(f'GRANT SELECT ({", ".join(columns)}) ON "{table}" TO {role}')
    return True
