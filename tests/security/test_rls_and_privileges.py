"""Row-level security wherever a table carries tenant_id, and a runtime role that can do no more
than its declared list (PostgreSQL, as the role the app really runs as)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from core.tenancy import privileges
from core.tenancy.scopes import system_scope

pytestmark = pytest.mark.postgres

APP = "jiceng_app"


@pytest.fixture
def owner(pg_database):
    engine = create_engine(pg_database["MIGRATE_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.fixture
def runtime(pg_database):
    engine = create_engine(pg_database["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


@pytest.fixture
def two_streets(pg_app):
    from core.plugins import admin
    from core.tenancy import tenant_scope
    from core.tenancy.services import create_tenant
    from core.testing.factories import _unique
    ids = []
    with pg_app.app_context(), system_scope("test: two streets") as session:
        for _ in range(2):
            ids.append(create_tenant(session, _unique("priv-"), "街道", "street").id)
    for tid in ids:
        with pg_app.app_context(), tenant_scope(tid):
            admin.enable(tid, "grid")
    return ids


def _as(conn, tenant_id: int):
    conn.execute(text("SELECT set_config('jiceng.active_tenant', :a, true), set_config('jiceng.visible_tenants', :a, true)"),
                 {"a": str(tenant_id)})


def test_every_table_with_tenant_id_has_forced_rls_and_a_policy(owner):
    tables = owner.execute(text("SELECT DISTINCT table_name FROM information_schema.columns "
                                "WHERE table_schema = 'public' AND column_name = 'tenant_id'")).scalars().all()
    assert {"tenant_plugin", "calendar_override", "platform_audit", "audit_log"} <= set(tables)
    missing = []
    for table in tables:
        enabled, forced = owner.execute(text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                                             "WHERE relname = :t AND relkind = 'r'"), {"t": table}).one()
        policies = owner.execute(text("SELECT count(*) FROM pg_policies WHERE tablename = :t"), {"t": table}).scalar()
        if not (enabled and forced and policies):
            missing.append(table)
    assert missing == []


def _held(owner) -> dict[str, set]:
    rows = owner.execute(text("SELECT c.relname, a.privilege_type FROM pg_class c "
                              "JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a "
                              "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.grantee = CAST(:r AS regrole)"),
                         {"r": APP}).all()
    held: dict[str, set] = {}
    for table, privilege in rows:
        held.setdefault(table, set()).add(privilege)
    return held


def _beyond(held: dict[str, set]) -> dict[str, list]:
    return {t: sorted(p - privileges.declared(t)) for t, p in held.items() if p - privileges.declared(t)}


def test_the_runtime_role_holds_nothing_beyond_the_declared_list(owner):
    held = _held(owner)
    assert _beyond(held) == {}
    assert held["audit_log"] == {"SELECT", "INSERT"} and held["platform_audit"] == {"INSERT"}
    # a plugin's append-only tables, declared in its manifest: the volunteer ledger, not its balance cache
    assert privileges.declared("volunteer__entry") == {"SELECT", "INSERT"}
    assert held["volunteer__txn"] == held["volunteer__entry"] == {"SELECT", "INSERT"}
    assert {"UPDATE", "DELETE"} <= held["volunteer__balance"]
    assert held["alembic_version"] == {"SELECT"}
    for column in privileges.SECRET_COLUMNS["user_account"]:
        assert not owner.execute(text("SELECT has_column_privilege(:r, 'user_account', :c, 'SELECT')"),
                                 {"r": APP, "c": column}).scalar(), column
    assert owner.execute(text("SELECT has_column_privilege(:r, 'user_account', 'display_name', 'SELECT')"),
                         {"r": APP}).scalar()
    definers = set(owner.execute(text("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                      "WHERE n.nspname = 'public' AND p.prosecdef")).scalars())
    assert definers <= privileges.SECURITY_DEFINERS


def test_another_streets_module_settings_cannot_be_changed_with_raw_sql(runtime, two_streets):
    a, b = two_streets
    with runtime.begin() as conn:
        _as(conn, a)
        changed = conn.execute(text("UPDATE tenant_plugin SET settings = '{\"x\": 1}' WHERE tenant_id = :b"), {"b": b})
        assert changed.rowcount == 0
        deleted = conn.execute(text("DELETE FROM tenant_plugin WHERE tenant_id = :b"), {"b": b})
        assert deleted.rowcount == 0
        assert conn.execute(text("UPDATE tenant_plugin SET settings = settings WHERE tenant_id = :a"), {"a": a}).rowcount == 1
    with runtime.begin() as conn:
        _as(conn, a)
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(text("INSERT INTO calendar_override (tenant_id, day, day_type, reason) "
                              "VALUES (:b, '2027-01-04', 'holiday', 'x')"), {"b": b})


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET action = 'x'",
    "DELETE FROM audit_log",
    "DELETE FROM platform_audit",
    "SELECT * FROM platform_audit",
    "UPDATE alembic_version SET version_num = 'c0001'",
    "SELECT password_hash FROM user_account",
    "SELECT totp_secret FROM user_account",
    "SELECT * FROM user_account",
    "UPDATE volunteer__txn SET memo = 'x'",
    "DELETE FROM volunteer__txn",
    "UPDATE volunteer__entry SET amount = amount * 2",
    "DELETE FROM volunteer__entry",
])
def test_the_runtime_role_is_refused(runtime, two_streets, sql):
    with runtime.begin() as conn:
        _as(conn, two_streets[0])
        with pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(sql))


def test_an_upgrade_takes_back_what_a_migration_granted_too_much(owner, pg_database):
    from core import migrate
    owner.exec_driver_sql(f"GRANT ALL ON audit_log, user_account TO {APP}")
    assert owner.execute(text("SELECT has_table_privilege(:r, 'audit_log', 'DELETE')"), {"r": APP}).scalar()
    migrate.upgrade(pg_database["MIGRATE_DATABASE_URL"])
    assert not owner.execute(text("SELECT has_table_privilege(:r, 'audit_log', 'DELETE')"), {"r": APP}).scalar()
    assert not owner.execute(text("SELECT has_column_privilege(:r, 'user_account', 'password_hash', 'SELECT')"),
                             {"r": APP}).scalar()


def test_a_plugins_append_only_table_that_can_be_updated_fails_the_check_until_an_upgrade(owner, pg_database):
    from core import migrate
    from core.testing.checks import rls_problems
    owner.exec_driver_sql(f"GRANT UPDATE, DELETE ON volunteer__entry TO {APP}")
    try:
        assert _beyond(_held(owner)) == {"volunteer__entry": ["DELETE", "UPDATE"]}
        assert any(p.startswith("volunteer__entry: the runtime role holds") for p in rls_problems(owner, "volunteer__", APP))
    finally:
        migrate.upgrade(pg_database["MIGRATE_DATABASE_URL"])
    assert _beyond(_held(owner)) == {}
    assert rls_problems(owner, "volunteer__", APP) == []
