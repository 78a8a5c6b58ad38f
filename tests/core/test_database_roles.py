"""PostgreSQL as designed: an owner role for migrations, a runtime role that owns nothing and cannot
bypass row-level security, a server that refuses any other, and a pool that survives a restart."""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import migrate
from core.tenancy.roles import UnsafeDatabaseRole
from core.testing import build_app, require_pg


def admin(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def names():
    """Role and database names of this test only, removed afterwards."""
    suffix = secrets.token_hex(3)
    made = {"owner": f"t_owner_{suffix}", "app": f"t_app_{suffix}", "database": f"t_roles_{suffix}"}
    yield made
    engine = admin(require_pg())
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{made["database"]}" WITH (FORCE)'))
        for role in (made["app"], made["owner"]):
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    engine.dispose()


def roles_command(app, names, *extra):
    result = app.test_cli_runner().invoke(args=["db", "roles", "--admin-url", require_pg(), "--owner", names["owner"],
                                                "--app", names["app"], "--database", names["database"], *extra])
    assert result.exit_code == 0, result.output
    return result.output


def attributes(role: str) -> dict:
    engine = admin(require_pg())
    with engine.connect() as conn:
        row = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb FROM pg_roles "
                                "WHERE rolname = :r"), {"r": role}).mappings().one()
    engine.dispose()
    return dict(row)


def test_the_roles_command_creates_both_roles_and_the_database_and_corrects_them_when_run_again(
        app, names, monkeypatch):
    out = roles_command(app, names)
    assert f"{names['owner']}: created" in out and f"{names['app']}: created" in out
    assert f"database {names['database']}: created, owned by {names['owner']}" in out
    assert attributes(names["owner"]) == {"rolsuper": False, "rolbypassrls": True, "rolcanlogin": True,
                                          "rolcreaterole": False, "rolcreatedb": False}
    assert attributes(names["app"]) == {"rolsuper": False, "rolbypassrls": False, "rolcanlogin": True,
                                        "rolcreaterole": False, "rolcreatedb": False}

    # someone loosened the runtime role: running the command again puts it back
    engine = admin(require_pg())
    with engine.connect() as conn:
        conn.execute(text(f'ALTER ROLE "{names["app"]}" BYPASSRLS CREATEDB'))
        conn.execute(text(f'GRANT "{names["owner"]}" TO "{names["app"]}"'))
    engine.dispose()
    out = roles_command(app, names)
    assert "already there" in out and f"no longer a member of {names['owner']}" in out
    assert attributes(names["app"])["rolbypassrls"] is False and attributes(names["app"])["rolcreatedb"] is False

    # the owner migrates; the server, as the runtime role, is allowed to start and is ready
    base = make_url(require_pg()).set(database=names["database"], password=None)
    owner_url = base.set(username=names["owner"]).render_as_string(hide_password=False)
    app_url = base.set(username=names["app"]).render_as_string(hide_password=False)
    monkeypatch.setenv("JICENG_APP_ROLE", names["app"])
    migrate.upgrade(owner_url)
    served = build_app({"SQLALCHEMY_DATABASE_URI": app_url, "MIGRATE_DATABASE_URL": owner_url})
    resp = served.test_client().get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    with served.app_context():
        from core.db import db
        db.engine.dispose()
    from core.tenancy.scopes import dispose_owner_engines
    dispose_owner_engines()


def test_the_command_sets_passwords_from_the_environment_only(app, names, monkeypatch):
    monkeypatch.setenv("T_APP_PW", "pw-" + secrets.token_hex(8))
    out = roles_command(app, names, "--app-password-env", "T_APP_PW")
    assert f"{names['app']}: created" in out and "password set" in out
    assert "T_APP_PW" not in out and monkeypatch and "pw-" not in out
    result = app.test_cli_runner().invoke(args=["db", "roles", "--admin-url", require_pg(), "--owner", names["owner"],
                                                "--app", names["app"], "--app-password-env", "T_UNSET_VAR"])
    assert result.exit_code == 1 and "T_UNSET_VAR" in result.output


def test_the_server_refuses_to_start_as_the_owner_or_a_superuser(pg_database, monkeypatch):
    owner = pg_database["MIGRATE_DATABASE_URL"]
    with pytest.raises(UnsafeDatabaseRole) as refused:
        build_app({**pg_database, "SQLALCHEMY_DATABASE_URI": owner})
    message = str(refused.value)
    assert "BYPASSRLS" in message and "owns tables" in message and "jiceng db roles" in message

    superuser = make_url(require_pg()).set(database=make_url(owner).database).render_as_string(hide_password=False)
    with pytest.raises(UnsafeDatabaseRole, match="superuser"):
        build_app({**pg_database, "SQLALCHEMY_DATABASE_URI": superuser})

    # the command line migrates as the owner: it does not serve, so it is not refused
    from core.cli import _create
    monkeypatch.setenv("JICENG_DATABASE_URL", owner)
    assert _create().config["SQLALCHEMY_DATABASE_URI"] == owner


def test_the_runtime_role_is_accepted_and_its_pool_is_sized_per_worker(pg_database):
    served = build_app(pg_database, DB_POOL_SIZE=3, DB_MAX_OVERFLOW=1,
                       SQLALCHEMY_ENGINE_OPTIONS=None)
    with served.app_context():
        from core.db import db
        assert db.engine.pool.size() == 3
        assert db.engine.pool._max_overflow == 1


def _terminate(pg_database) -> int:
    """Close every connection the runtime role holds to the test database, as a restart would, and
    wait until their server processes have ended (as a restart has, when the next request comes)."""
    name = make_url(pg_database["SQLALCHEMY_DATABASE_URI"]).database
    role = make_url(pg_database["SQLALCHEMY_DATABASE_URI"]).username
    engine = admin(require_pg())
    with engine.connect() as conn:
        killed = conn.execute(text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                                   "WHERE datname = :d AND usename = :u"), {"d": name, "u": role}).scalar()
    engine.dispose()
    return killed


def test_after_the_database_closed_every_connection_the_next_request_succeeds(pg_database, database, create_tenant,
                                                                                create_user):
    if pg_database is not database:  # the factories write to the main database: this runs in the PostgreSQL pass
        pytest.skip("runs when the main test database is PostgreSQL")
    street = create_tenant()
    account = create_user(street)
    served = build_app(pg_database)
    client = served.test_client()
    from core.testing.factories import login
    login(client, account)
    assert client.get(f"/t/{street.slug}/").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert _terminate(pg_database) >= 1
    assert client.get(f"/t/{street.slug}/").status_code == 200  # the checkout replaced the dead connection
    assert client.get("/readyz").status_code == 200

    # the same without a check on checkout: the first request after the restart gets the dead connection
    blind = build_app(pg_database, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    blind.testing = False
    other = blind.test_client()
    login(other, account)
    assert other.get(f"/t/{street.slug}/").status_code == 200
    assert _terminate(pg_database) >= 1
    assert other.get("/readyz").status_code == 503
    # the dead connection retired every one opened before it: the page after it is served
    assert other.get(f"/t/{street.slug}/").status_code == 200
    assert _terminate(pg_database) >= 1
    # a page that only reads went on from the kept sign-in; its question met a dead connection, so it
    # ran again from the full lookup, on a new one
    assert other.get(f"/t/{street.slug}/").status_code == 200
