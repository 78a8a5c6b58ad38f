"""PostgreSQL roles as designed (architecture.md §3.5): create them, and refuse to serve with the wrong one.

The owner role owns the schema and the tables and runs the migrations (``JICENG_MIGRATE_DATABASE_URL``);
the runtime role (``JICENG_DATABASE_URL``) owns nothing, is neither superuser nor ``BYPASSRLS``, and
gets DML grants from the migrations. Row-level security binds only the second: a server connected as
the first would serve every tenant's rows to every tenant, so ``create_app`` refuses to start with it.
"""
from __future__ import annotations

import re

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class UnsafeDatabaseRole(RuntimeError):
    """The server's database role could bypass row-level security."""


def problems(conn) -> list[str]:
    """Why the connected role must not serve requests (empty when it may): superuser, ``BYPASSRLS``,
    or owning (directly or through a role it inherits) tables of the schema."""
    row = conn.execute(text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                            "WHERE rolname = current_user")).one()
    user, superuser, bypass = row
    found = []
    if superuser:
        found.append(f"role {user} is a superuser")
    if bypass:
        found.append(f"role {user} has BYPASSRLS")
    owned = conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND pg_has_role(current_user, tableowner, 'USAGE') ORDER BY tablename LIMIT 6")).scalars().all()
    if owned:
        more = ", …" if len(owned) > 5 else ""
        found.append(f"role {user} owns tables ({', '.join(owned[:5])}{more})")
    return found


def refuse_unsafe(url: str) -> None:
    """Raise ``UnsafeDatabaseRole`` naming every problem of the role in ``url`` (PostgreSQL only)."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            found = problems(conn)
    finally:
        engine.dispose()
    if found:
        raise UnsafeDatabaseRole(
            "refusing to serve: " + "; ".join(found) + ". Row-level security would not separate tenants. "
            "Serve with the runtime role (JICENG_DATABASE_URL, e.g. jiceng_app: NOSUPERUSER NOBYPASSRLS, owning "
            "nothing) and keep the owner role for migrations (JICENG_MIGRATE_DATABASE_URL); "
            "`jiceng db roles` creates both.")


def ensure_roles(admin_url: str, owner: str, app: str, owner_password: str | None = None,
                 app_password: str | None = None, database: str | None = None) -> list[str]:
    """Create or correct the owner and the runtime role (idempotent); with ``database``, create it owned
    by the owner (or hand it over), give the owner its ``public`` schema and let the runtime role connect.

    Runs as a superuser (``BYPASSRLS`` can only be granted by one). Returns what it did, line by line."""
    for name in (owner, app):
        if not NAME.fullmatch(name):
            raise ValueError(f"role name {name!r}: lowercase letters, digits and _ only")
    if owner == app:
        raise ValueError("the owner and the runtime role must be two roles")
    done: list[str] = []
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            # the owner runs migrations and system_scope; under FORCE ROW LEVEL SECURITY an owner without
            # BYPASSRLS would silently update 0 rows of other tenants in cross-tenant maintenance
            _role(conn, owner, "LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION", owner_password,
                  done)
            _role(conn, app, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT",
                  app_password, done)
            # the runtime role must not inherit the owner's rights through membership
            if conn.execute(text("SELECT pg_has_role(:a, :o, 'MEMBER')"), {"a": app, "o": owner}).scalar():
                conn.exec_driver_sql(f'REVOKE "{owner}" FROM "{app}"')
                done.append(f"{app}: no longer a member of {owner}")
            if database:
                _database(conn, database, owner, app, done)
    finally:
        engine.dispose()
    if database:
        engine = create_engine(make_url(admin_url).set(database=database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'ALTER SCHEMA public OWNER TO "{owner}"')
                conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
                conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{app}"')
                done.append(f"schema public of {database}: owned by {owner}; {app} may use it, not create in it")
        finally:
            engine.dispose()
    return done


def _role(conn, name: str, attributes: str, password: str | None, done: list[str]) -> None:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first()
    verb = "ALTER" if exists else "CREATE"
    conn.exec_driver_sql(f'{verb} ROLE "{name}" {attributes}')
    if password:
        # the password is sent as a literal inside the statement, never logged by us; quote it safely
        quoted = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar()
        conn.exec_driver_sql(f'ALTER ROLE "{name}" PASSWORD {quoted}')
    done.append(f"{name}: {'created' if not exists else 'already there, attributes set'} ({attributes})"
                + ("; password set" if password else ""))


def _database(conn, database: str, owner: str, app: str, done: list[str]) -> None:
    if not NAME.fullmatch(database):
        raise ValueError(f"database name {database!r}: lowercase letters, digits and _ only")
    current = conn.execute(text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :d"),
                           {"d": database}).scalar()
    if current is None:
        conn.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER "{owner}" ENCODING \'UTF8\' TEMPLATE template0')
        done.append(f"database {database}: created, owned by {owner}")
    elif current != owner:
        conn.exec_driver_sql(f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
        done.append(f"database {database}: owner {current} → {owner}")
    else:
        done.append(f"database {database}: already owned by {owner}")
    conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
    conn.exec_driver_sql(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{app}"')


def init_role_check(app) -> None:
    """Refuse to serve with a role that bypasses row-level security (``CHECK_DB_ROLE``, on by default;
    the ``jiceng`` command line, which migrates as the owner, does not serve and skips it).

    When the database cannot be reached at start-up, the first request checks instead."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not app.config["CHECK_DB_ROLE"] or not url.startswith("postgresql"):
        return
    from ..db import is_unavailable
    try:
        refuse_unsafe(url)
        return
    except UnsafeDatabaseRole:
        raise
    except Exception as exc:
        if not is_unavailable(exc):
            raise
    import logging
    logging.getLogger(__name__).warning("database unreachable at start-up; its role is checked on the first request")
    checked = []

    def _check_role_once():
        if not checked:
            refuse_unsafe(url)  # unreachable: 503 by the database error handler; unsafe: every request fails
            checked.append(True)
    app.before_request_funcs.setdefault(None, []).insert(0, _check_role_once)
