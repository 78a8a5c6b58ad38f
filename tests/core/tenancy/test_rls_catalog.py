"""Row-level security is really on, and the runtime role cannot get around it (PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from core.db import db
from core.tenancy import privileges

pytestmark = pytest.mark.postgres


def tenant_tables():
    import core.models  # noqa: F401
    return sorted(m.local_table.name for m in db.Model.registry.mappers
                  if getattr(m.class_, "__tenancy__", None) == "tenant")


def test_every_tenant_table_has_forced_rls_and_four_policies(pg_database):
    engine = create_engine(pg_database["MIGRATE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            for table in tenant_tables():
                enabled, forced = conn.execute(text(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"), {"t": table}).one()
                assert enabled and forced, table
                cmds = sorted(r[0] for r in conn.execute(text("SELECT cmd FROM pg_policies WHERE tablename = :t"),
                                                         {"t": table}))
                assert cmds == ["DELETE", "INSERT", "SELECT", "UPDATE"], table
    finally:
        engine.dispose()


def test_runtime_role_is_neither_superuser_nor_bypassrls_and_owns_nothing(pg_database):
    engine = create_engine(pg_database["MIGRATE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            role = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'jiceng_app'")).one()
            assert tuple(role) == (False, False)
            owned = conn.execute(text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                      "WHERE r.rolname = 'jiceng_app'")).scalar()
            assert owned == 0
            definers = set(conn.execute(text("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                             "WHERE n.nspname = 'public' AND p.prosecdef")).scalars())
            assert definers <= privileges.SECURITY_DEFINERS
    finally:
        engine.dispose()
