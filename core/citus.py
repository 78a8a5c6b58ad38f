"""How the schema spreads over a Citus cluster: tenant tables distributed by ``tenant_id``, the rest
reference tables (a full copy on every node).

Citus can distribute a table by ``tenant_id`` only if its primary key and every unique constraint
contain ``tenant_id`` (a node can only enforce uniqueness among the rows it holds), and a foreign key
between two distributed tables equates their ``tenant_id``s (both rows live on the same node). So:

- a **tenant table** is any table with a ``tenant_id`` column that is not declared below: on
  PostgreSQL its primary key is ``(tenant_id, id)`` (``create_tenant_table`` makes it so; older tables
  were moved by migrations c0011 and each plugin's next one), its unique constraints and unique
  indexes contain ``tenant_id`` and its foreign keys to tenant tables are composite (``tenant_fk``);
- a **reference table** is declared in ``REFERENCE_TABLES`` with the reason it is shared. A reference
  table may point at a reference table, never at a tenant table (Citus refuses it).

``catalog_problems`` reads pg_catalog and names every table that breaks a rule; the test suite and
the plugin conformance kit run it, so a new table cannot slip through. ``plan`` writes the
statements an operator runs once on the Citus coordinator (``jiceng db citus-plan``).
"""
from __future__ import annotations

from sqlalchemy import MetaData, text

#: Tables every node holds a full copy of, with the reason. Small, read everywhere, joined with
#: tenant tables, written rarely (each write goes to every node).
REFERENCE_TABLES: dict[str, str] = {
    "tenant": "the tenant registry: every tenant table points at it, and a request resolves the slug "
              "before any tenant is known",
    "tenant_plugin": "read before a tenant context exists and up the district → street chain on every "
                     "request; a few rows per tenant, written only when an administrator toggles a plugin",
    "calendar_day": "one working-day calendar for the whole country",
    "calendar_override": "a street reads its district's overrides (another tenant's rows); a handful of rows "
                         "per tenant, written only by core.calendar",
    "user_account": "one login spans every tenant the person has a membership in",
    "user_session": "looked up by token before the tenant is known; points at user_account",
    "login_throttle": "keyed by account name or address before anyone is signed in",
    "platform_audit": "platform administrators' actions across tenants; tenant_id is empty for platform-wide "
                      "actions, so it cannot be a distribution column",
    "scheduler_lease": "one lease for the whole installation, taken before any tenant's jobs run",
    "security_stamp": "one row for the whole installation, read on every signed-in request before the tenant is "
                      "known; written only when an account, grant or tenant changes",
}
#: Alembic's bookkeeping (``alembic_version`` and ``alembic_version__<plugin>``): one row each,
#: written only by migrations, which run on the coordinator.
BOOKKEEPING_PREFIX = "alembic_version"


def is_reference(name: str) -> bool:
    return name in REFERENCE_TABLES or name.startswith(BOOKKEEPING_PREFIX)


def classify(metadata: MetaData, extra_tables: tuple[str, ...] = ()) -> tuple[list[str], list[str], list[str]]:
    """(reference, distributed, undeclared) table names, each list in foreign-key order (a table
    after the tables it points at), as Citus needs them. ``extra_tables``: tables only the database
    has (the Alembic version tables)."""
    import warnings

    from sqlalchemy.exc import SAWarning
    with warnings.catch_warnings():  # a cycle (a table pointing at itself through another) is fine here
        warnings.simplefilter("ignore", SAWarning)
        ordered = [t for t in metadata.sorted_tables]
    reference, distributed, undeclared = list(extra_tables), [], []
    for table in ordered:
        if is_reference(table.name):
            reference.append(table.name)
        elif "tenant_id" in table.c:
            distributed.append(table.name)
        else:
            undeclared.append(table.name)
    return reference, distributed, undeclared


def plan(metadata: MetaData, extra_tables: tuple[str, ...] = ()) -> list[str]:
    """SQL for the Citus coordinator: reference tables first, then every tenant table distributed by
    ``tenant_id``, colocated with ``tenant``'s first distributed table so joins stay on one node."""
    reference, distributed, undeclared = classify(metadata, extra_tables)
    if undeclared:
        raise ValueError(f"tables with no tenant_id that are not declared reference tables: {', '.join(undeclared)} "
                         f"(add them to core.citus.REFERENCE_TABLES with the reason, or give them tenant_id)")
    lines = [f"SELECT create_reference_table('{name}');" for name in reference]
    anchor = distributed[0] if distributed else None
    for name in distributed:
        colocate = "" if name == anchor else f", colocate_with => '{anchor}'"
        lines.append(f"SELECT create_distributed_table('{name}', 'tenant_id'{colocate});")
    return lines


_TABLES = """
SELECT c.oid, c.relname,
       (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
          AND NOT a.attisdropped) AS tenant_attnum,
       (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
          AND NOT a.attisdropped) AS tenant_notnull
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND left(c.relname, length(:prefix)) = :prefix
ORDER BY c.relname
"""
_UNIQUES = """
SELECT i.relname, x.indisprimary, x.indkey::int2[] AS cols
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = :oid AND x.indisunique
"""
_CONSTRAINTS = """
SELECT con.conname, con.contype, con.conkey, con.confkey, ref.relname AS referred,
       (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attname = 'tenant_id'
          AND NOT a.attisdropped) AS referred_tenant_attnum
FROM pg_constraint con LEFT JOIN pg_class ref ON ref.oid = con.confrelid
WHERE con.conrelid = :oid AND con.contype IN ('f', 'x')
"""


def catalog_problems(conn, prefix: str = "") -> list[str]:
    """PostgreSQL: why Citus could not distribute the tables starting with ``prefix`` by ``tenant_id``
    (``[]`` when every table is a tenant table with the right keys or a declared reference table)."""
    problems: list[str] = []
    tenant_tables = {r.relname for r in conn.execute(text(_TABLES), {"prefix": ""})
                     if r.tenant_attnum is not None and not is_reference(r.relname)}
    for table in conn.execute(text(_TABLES), {"prefix": prefix}).all():
        name, tenant = table.relname, table.relname in tenant_tables
        if not tenant and not is_reference(name):
            problems.append(f"{name}: no tenant_id and not a declared reference table (core.citus.REFERENCE_TABLES)")
            continue
        if tenant and not table.tenant_notnull:
            problems.append(f"{name}: tenant_id may be empty, so it cannot be the distribution column")
        if tenant:
            for index in conn.execute(text(_UNIQUES), {"oid": table.oid}):
                if table.tenant_attnum not in list(index.cols):
                    what = "primary key" if index.indisprimary else "unique index"
                    problems.append(f"{name}: {what} {index.relname} lacks tenant_id")
            if not any(i.indisprimary for i in conn.execute(text(_UNIQUES), {"oid": table.oid})):
                problems.append(f"{name}: no primary key")
        for con in conn.execute(text(_CONSTRAINTS), {"oid": table.oid}):
            if con.contype == "x":
                if tenant and table.tenant_attnum not in con.conkey:
                    problems.append(f"{name}: exclusion constraint {con.conname} lacks tenant_id")
                continue
            if con.referred not in tenant_tables:
                continue  # pointing at a reference table is allowed from anywhere
            if not tenant:
                problems.append(f"{name}: reference table points at tenant table {con.referred} ({con.conname})")
            elif not any(a == table.tenant_attnum and b == con.referred_tenant_attnum
                         for a, b in zip(con.conkey, con.confkey)):
                problems.append(f"{name} → {con.referred}: foreign key {con.conname} does not carry tenant_id "
                                f"(use tenant_fk)")
    return problems
