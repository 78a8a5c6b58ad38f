"""Migration helpers: row-level security for tenant tables and grants for the runtime role.

On SQLite they do nothing: there the composite foreign keys and the ORM guard are the layers.
"""
from __future__ import annotations

import os

from alembic import op

from .tenancy.rls import FUNCTIONS_SQL, enable_tenant_rls_sql


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def app_role() -> str:
    return os.environ.get("JICENG_APP_ROLE", "jiceng_app")


def install_rls_functions() -> None:
    if _pg():
        for sql in FUNCTIONS_SQL:
            op.execute(sql)


def enable_rls(table: str, user_column: str | None = None) -> None:
    """ENABLE + FORCE RLS and the four policies; a ``user`` table also lets a user read their own rows."""
    if not _pg():
        return
    statements = enable_tenant_rls_sql(table)
    if user_column:
        statements[2] = (f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({user_column} = jiceng_user() "
                         f"OR tenant_id = ANY (jiceng_visible()))")
    for sql in statements:
        op.execute(sql)


def disable_rls(table: str) -> None:
    if not _pg():
        return
    for suffix in ("read", "insert", "update", "delete"):
        op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def grant_runtime_role() -> None:
    """DML (never DDL) for the runtime role, if the cluster has it (deploy/postgres/roles.sql)."""
    if not _pg():
        return
    role = app_role()
    op.execute(f"""DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        EXECUTE 'GRANT USAGE ON SCHEMA public TO {role}';
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}';
        EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}';
        EXECUTE 'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}';
      END IF; END $$""")


def grant_function(signature: str) -> None:
    """Let only the runtime role call a function (``name(argtypes)``): a SECURITY DEFINER function
    runs with the owner's rights, so nobody else may call it."""
    if not _pg():
        return
    op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    role = app_role()
    op.execute(f"""DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        EXECUTE 'GRANT EXECUTE ON FUNCTION {signature} TO {role}';
      END IF; END $$""")


def tenant_primary_key(*tables: str) -> None:
    """PostgreSQL: make each table's primary key ``(tenant_id, id)``, so Citus can distribute it by
    ``tenant_id`` (see ``core.citus``). A table whose key already holds ``tenant_id`` is left alone.

    Why only on PostgreSQL, and why the models keep ``id`` as the mapper's identity: Citus runs only on
    PostgreSQL, and on SQLite ``id INTEGER PRIMARY KEY`` is the rowid alias, the only column SQLite
    numbers by itself; a composite key there would leave new rows without an id. ``id`` stays unique
    on both databases because it comes from the table's own sequence (rowid on SQLite) and nothing
    else writes it, so ``session.get(Model, id)``, ``get_or_404`` and every URL keep working unchanged.
    Composite foreign keys point at ``UNIQUE(tenant_id, id)``, which stays here (models declare it);
    ``drop_duplicate_unique`` then drops it on PostgreSQL, where the new key is the same index.
    """
    if not _pg():
        return
    for table in tables:
        if "tenant_id" not in _pk_columns(table):
            _replace_primary_key(table, "tenant_id, id")


def id_primary_key(*tables: str) -> None:
    """PostgreSQL: back to ``PRIMARY KEY (id)`` (the downgrade of ``tenant_primary_key``)."""
    if not _pg():
        return
    for table in tables:
        if _pk_columns(table) != ["id"]:
            _replace_primary_key(table, "id")


def tenant_tables_of(branch: str) -> list[str]:
    """The tables of a migration branch that Citus distributes (``tenant_id`` and not a declared
    reference table), as the database has them now; core's are the names without ``__``."""
    import sqlalchemy as sa

    from .citus import is_reference
    from .migrate_autogen import belongs
    inspector = sa.inspect(op.get_bind())
    return [t for t in sorted(inspector.get_table_names()) if belongs(t, branch) and not is_reference(t)
            and "tenant_id" in {c["name"] for c in inspector.get_columns(t)}]


def drop_duplicate_unique(*tables: str) -> None:
    """PostgreSQL: drop ``UNIQUE(tenant_id, id)`` where the primary key already is ``(tenant_id, id)``
    (the same index twice, each kept up on every write). Composite foreign keys resting on it are
    made again, so they rest on the primary key. SQLite keeps it: there the key is ``id`` alone and
    the composite foreign keys need the unique index (the models declare it for that)."""
    if not _pg():
        return
    for table in tables:
        if _pk_columns(table) == ["tenant_id", "id"]:
            for name in _tenant_id_id_uniques(table):
                _rebuilt_foreign_keys(table, "u", name, f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def add_duplicate_unique(*tables: str) -> None:
    """PostgreSQL: put ``UNIQUE(tenant_id, id)`` back (the downgrade of ``drop_duplicate_unique``),
    so the primary key can go back to ``id`` alone with the composite foreign keys resting on it."""
    if not _pg():
        return
    from sqlalchemy.sql.elements import conv
    for table in tables:
        if not _tenant_id_id_uniques(table):
            op.create_unique_constraint(conv(f"uq_{table}_tenant_id_id"), table, ["tenant_id", "id"])


def _tenant_id_id_uniques(table: str) -> list[str]:
    import sqlalchemy as sa
    return [u["name"] for u in sa.inspect(op.get_bind()).get_unique_constraints(table)
            if sorted(u["column_names"]) == ["id", "tenant_id"]]


def _rebuilt_foreign_keys(table: str, kind: str, constraint: str, change: str) -> None:
    """Run ``change`` on ``table``'s constraint ``constraint`` (of ``kind``: ``p`` or ``u``) with the
    foreign keys that rest on its index dropped first and made again after (PostgreSQL picks a unique
    index on the referenced columns when a foreign key is created, and will not drop one in use)."""
    import sqlalchemy as sa
    dependent = op.get_bind().execute(sa.text(
        "SELECT f.conrelid::regclass::text AS owner, f.conname, pg_get_constraintdef(f.oid) AS definition "
        "FROM pg_constraint f JOIN pg_constraint p ON p.conindid = f.conindid AND p.contype = :kind "
        "WHERE f.contype = 'f' AND p.conrelid = CAST(:t AS regclass) AND p.conname = :name"),
        {"t": table, "kind": kind, "name": constraint}).all()
    for fk in dependent:
        op.execute(f'ALTER TABLE {fk.owner} DROP CONSTRAINT "{fk.conname}"')
    op.execute(change)
    for fk in dependent:
        op.execute(f'ALTER TABLE {fk.owner} ADD CONSTRAINT "{fk.conname}" {fk.definition}')


def _replace_primary_key(table: str, columns: str) -> None:
    """Swap the primary key. A composite foreign key ``(tenant_id, x) → table(tenant_id, id)`` may
    rest on the key's index (PostgreSQL picks any unique index on those columns when it is created),
    so those are dropped first and made again, resting on ``UNIQUE(tenant_id, id)`` or the new key."""
    import sqlalchemy as sa
    name = sa.inspect(op.get_bind()).get_pk_constraint(table)["name"]  # pk_<table>, shortened past 63 characters
    _rebuilt_foreign_keys(table, "p", name,
                          f'ALTER TABLE {table} DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}" PRIMARY KEY ({columns})')


def _pk_columns(table: str) -> list[str]:
    import sqlalchemy as sa
    return sa.inspect(op.get_bind()).get_pk_constraint(table)["constrained_columns"]


def create_tenant_table(name: str, *columns, tenant_fks: tuple = (), indexes: tuple = (), uniques: tuple = ()) -> None:
    """Create a tenant table in one call: ``id``, ``tenant_id``, composite foreign keys
    ``(tenant_id, col) → table(tenant_id, id)``, tenant-leading indexes and, on PostgreSQL, the
    primary key ``(tenant_id, id)`` that Citus needs (on SQLite ``PRIMARY KEY (id)``, see
    ``tenant_primary_key``, and ``UNIQUE(tenant_id, id)`` for the foreign keys to point at), forced
    row-level security with the four policies and runtime grants.

    ``tenant_fks`` holds ``(column, table)`` pairs; ``indexes`` and ``uniques`` hold column tuples
    (``tenant_id`` is put first).
    """
    import sqlalchemy as sa
    from sqlalchemy.sql.elements import conv
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    # conv(): a name past PostgreSQL's 63 characters is shortened exactly as the models' naming
    # convention shortens it (a long plugin prefix pointing at another long table name)
    # SQLite needs UNIQUE(tenant_id, id) for the composite foreign keys to point at (the models
    # declare it); on PostgreSQL the primary key is those columns, and a second index would only be
    # kept up on every write (see drop_duplicate_unique)
    constraints = [] if _pg() else [sa.UniqueConstraint("tenant_id", "id", name=conv(f"uq_{name}_tenant_id_id"))]
    for cols in uniques:
        cols = ("tenant_id", *[c for c in cols if c != "tenant_id"])
        constraints.append(sa.UniqueConstraint(*cols, name=conv(f"uq_{name}_{'_'.join(cols)}")))
    for column, table in tenant_fks:
        constraints.append(sa.ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"],
                                                   name=conv(f"fk_{name}_tenant_id_{column}_{table}")))
    if _pg():
        key = [sa.Column("id", big, autoincrement=True, nullable=False),
               sa.PrimaryKeyConstraint("tenant_id", "id", name=conv(f"pk_{name}"))]
    else:
        key = [sa.Column("id", big, primary_key=True, autoincrement=True)]
    op.create_table(name, key[0],
                    sa.Column("tenant_id", big, sa.ForeignKey("tenant.id", name=conv(f"fk_{name}_tenant_id_tenant")),
                              nullable=False),
                    *columns, *constraints, *key[1:])
    for cols in indexes:
        cols = ("tenant_id", *[c for c in cols if c != "tenant_id"])
        op.create_index(conv(f"ix_{name}_{'_'.join(cols)}"), name, list(cols))
    enable_rls(name)
    if _pg():
        role = app_role()
        op.execute(f"""DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {role}';
            EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}'; END IF; END $$""")


def drop_tenant_table(name: str) -> None:
    disable_rls(name)
    op.drop_table(name)
