"""Checks shared by core's isolation suite and the plugin conformance kit."""
from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, create_engine, text

from ..db import db

POLICY_COMMANDS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})


def tenancy_by_table() -> dict[str, str | None]:
    return {m.local_table.name: getattr(m.class_, "__tenancy__", None) for m in db.Model.registry.mappers}


def tenant_table_problems(name: str) -> list[str]:
    """Why a tenant table does not have the shape that keeps rows inside their tenant."""
    declared = tenancy_by_table()
    table = db.metadata.tables[name]
    problems = []
    col = table.c.get("tenant_id")
    if col is None or col.nullable:
        return [f"{name}: tenant_id NOT NULL is missing"]
    if not any(fk.column.table.name == "tenant" for fk in col.foreign_keys):
        problems.append(f"{name}: tenant_id must reference tenant.id")
    uniques = [tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
    if ("tenant_id", "id") not in uniques:
        problems.append(f"{name} lacks UNIQUE(tenant_id, id)")
    problems += [f"{name}: unique {u} must lead with tenant_id" for u in uniques if u[0] != "tenant_id"]
    problems += [f"{name}: index {i.name} must lead with tenant_id" for i in table.indexes
                 if i.columns.keys()[0] != "tenant_id"]
    for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
        target = fk.referred_table.name
        if declared.get(target) == "tenant" and (fk.column_keys[0] != "tenant_id"
                                                  or fk.elements[0].column.name != "tenant_id"):
            problems.append(f"{name} → {target} must be a composite (tenant_id, …) foreign key")
    return problems


def schema_drift(url: str, branch: str, prefix: str | None = None) -> list:
    """What autogenerate would still write for a branch's tables: its models against a migrated
    database (``[]`` when the migrations create exactly what the models declare)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ..migrate_autogen import belongs, duplicates_primary_key

    def include_name(name, type_, parent_names):
        return type_ != "table" or belongs(name, branch, prefix)

    engine = create_engine(url)

    def include_object(obj, name, type_, reflected, compare_to):
        if duplicates_primary_key(obj, type_, engine.dialect.name):
            return False
        return type_ != "table" or belongs(name, branch, prefix)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name,
                                                             "include_object": include_object})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def rls_problems(conn, prefix: str, role: str) -> list[str]:
    """PostgreSQL: why the tables starting with ``prefix`` are not held inside their tenant for the
    runtime role (row-level security enabled and forced, a policy per command, grants as declared)."""
    from ..tenancy import privileges
    tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                               "AND left(tablename, length(:p)) = :p ORDER BY tablename"), {"p": prefix}).scalars().all()
    if tables and not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
        return [f"the runtime role {role} does not exist (deploy/postgres/roles.sql)"]
    problems = []
    for table in tables:
        enabled, forced = conn.execute(text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                                            "WHERE relname = :t AND relkind = 'r'"), {"t": table}).one()
        if not enabled:
            problems.append(f"{table}: row-level security is not enabled (create it with create_tenant_table)")
        elif not forced:
            problems.append(f"{table}: row-level security is not forced, so the table's owner bypasses it")
        commands = set(conn.execute(text("SELECT cmd FROM pg_policies WHERE tablename = :t"), {"t": table}).scalars())
        if "ALL" in commands:
            commands |= POLICY_COMMANDS
        problems += [f"{table}: no {cmd} policy" for cmd in sorted(POLICY_COMMANDS - commands)]
        held = set(conn.execute(text(
            "SELECT a.privilege_type FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, "
            "aclexplode(c.relacl) a WHERE n.nspname = 'public' AND c.relname = :t AND c.relkind = 'r' "
            "AND a.grantee = CAST(:r AS regrole)"), {"t": table, "r": role}).scalars())
        if held != privileges.declared(table):
            problems.append(f"{table}: the runtime role holds {sorted(held)}, "
                            f"declared {sorted(privileges.declared(table))}")
    return problems
