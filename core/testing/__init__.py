"""Jiceng's pytest plugin (``pytest -p core.testing``): databases, app, clients, factories.

``JICENG_TEST_DB=sqlite`` (default) runs on a fresh SQLite file; ``postgresql`` creates a
throwaway database on ``JICENG_TEST_PG_URL`` (a superuser URL), migrates it as ``jiceng_owner``
and serves the app as ``jiceng_app``, so row-level security is really in force. Roles are created
if missing and never dropped; only the databases made here are dropped.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .events import deliver_event  # noqa: F401  (fixture)
from .factories import *  # noqa: F401,F403  (fixtures)
from .queries import _clock_back, statements_of  # noqa: F401  (fixture, helper)
from .world import world  # noqa: F401  (fixture)

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
OWNER_ROLE = os.environ.get("JICENG_OWNER_ROLE", "jiceng_owner")
APP_ROLE = os.environ.get("JICENG_APP_ROLE", "jiceng_app")


def pg_admin_url() -> str | None:
    return os.environ.get("JICENG_TEST_PG_URL")


def require_pg() -> str:
    url = pg_admin_url()
    if not url:
        if CI:
            pytest.fail("CI=true but JICENG_TEST_PG_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("PostgreSQL tests need JICENG_TEST_PG_URL")
    return url


@contextlib.contextmanager
def redis_database():
    """A Redis database (8-15) of this test module's own, emptied, at ``JICENG_TEST_REDIS_URL``
    (default the local server); a key in database 0 reserves it while the module runs, so parallel
    test workers never share one. Missing Redis skips, except under CI=true, where it fails."""
    import redis
    base = os.environ.get("JICENG_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    try:
        admin = redis.Redis.from_url(f"{base}/0", socket_connect_timeout=2)
        admin.ping()
    except redis.RedisError as exc:
        if CI:
            pytest.fail(f"CI=true but Redis at {base} does not answer: {exc}")
        pytest.skip(f"Redis tests need a Redis server ({base}: {exc})")
    token = f"{os.getpid()}:{secrets.token_hex(4)}"
    deadline = time.monotonic() + 120
    number = None
    while number is None:
        number = next((n for n in range(8, 16) if admin.set(f"jiceng-test:redis-db:{n}", token, nx=True, ex=7200)), None)
        if number is None:
            assert time.monotonic() < deadline, "every Redis test database (8-15) stayed taken for two minutes"
            time.sleep(1)
    url = f"{base}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
        if admin.get(f"jiceng-test:redis-db:{number}") == token.encode():
            admin.delete(f"jiceng-test:redis-db:{number}")
        admin.close()


class PgDatabase:
    """A throwaway PostgreSQL database owned by the owner role; URLs for owner and runtime role."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.name = f"jiceng_test_{secrets.token_hex(4)}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text((Path(__file__).resolve().parents[2] / "deploy/postgres/roles.sql").read_text()))
                conn.execute(text(f'CREATE DATABASE "{self.name}" OWNER {OWNER_ROLE}'))
        finally:
            engine.dispose()
        base = make_url(admin_url).set(database=self.name, password=None)
        self.owner_url = base.set(username=OWNER_ROLE).render_as_string(hide_password=False)
        self.app_url = base.set(username=APP_ROLE).render_as_string(hide_password=False)

    def drop(self) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            engine.dispose()


def make_database(kind: str):
    """Create and migrate a database; returns (config overrides, cleanup)."""
    from .. import migrate
    if kind == "postgresql":
        pg = PgDatabase(require_pg())
        migrate.upgrade(pg.owner_url)
        return {"SQLALCHEMY_DATABASE_URI": pg.app_url, "MIGRATE_DATABASE_URL": pg.owner_url}, pg.drop
    tmp = tempfile.mkdtemp(prefix="jiceng-test-")
    url = f"sqlite:///{tmp}/test.db"
    migrate.upgrade(url)
    return {"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url}, lambda: None


def test_db_kind() -> str:
    return os.environ.get("JICENG_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def database():
    os.environ.setdefault("JICENG_ARGON2_CHEAP", "1")
    config, cleanup = make_database(test_db_kind())
    yield config
    from ..tenancy.scopes import dispose_owner_engines
    dispose_owner_engines()
    cleanup()


def build_app(database_config: dict, **extra):
    from .. import create_app
    tmp = tempfile.mkdtemp(prefix="jiceng-inst-")
    return create_app({"TESTING": True, "ARGON2_CHEAP": True, "INSTANCE_DIR": tmp, "PLUGINS_STRICT": True,
                       "LOGIN_MAX_FAILURES_ACCOUNT": 5, "LOGIN_MAX_FAILURES_ADDRESS": 100,
                       "SCHEDULER_SECONDS": 0, **database_config, **extra})


@pytest.fixture(scope="session")
def app(database):
    # No app context is held open here: each request and each factory call gets its own, so
    # no identity map survives from one tenant's work into another's.
    return build_app(database)


@pytest.fixture
def client(app):
    return app.test_client()


_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}-{secrets.token_hex(2)}"


@pytest.fixture(scope="session")
def pg_database(database):
    """A migrated PostgreSQL database: the main one under DB=postgresql, else one of its own."""
    if database["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        yield database
        return
    config, cleanup = make_database("postgresql")
    yield config
    cleanup()


@pytest.fixture(scope="session")
def pg_app(pg_database):
    return build_app(pg_database)
