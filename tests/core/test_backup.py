"""`jiceng backup` / `jiceng restore`: the demo district (six tenants, every plugin's data) goes to one
file and comes back into a fresh database row for row, on SQLite and PostgreSQL; a restore does not
overwrite a database that holds data unless told to; a SQLite backup taken while the app writes is
one consistent moment."""
from __future__ import annotations

import sqlite3
import threading
from http import HTTPStatus

import pytest
from sqlalchemy import create_engine, text

from core import backup, migrate
from core.demo import DEMO_PASSWORD
from core.testing import PgDatabase, build_app, require_pg
from core.testing.factories import csrf_token


class Target:
    """A database of one kind: migrated (the source) or left empty (the restore target)."""

    def __init__(self, kind, tmp_path, name, migrated):
        self.pg = None
        if kind == "postgresql":
            self.pg = PgDatabase(require_pg())
            self.config = {"SQLALCHEMY_DATABASE_URI": self.pg.app_url, "MIGRATE_DATABASE_URL": self.pg.owner_url}
        else:
            url = f"sqlite:///{tmp_path}/{name}.db"
            self.config = {"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url}
        if migrated:
            migrate.upgrade(self.config["MIGRATE_DATABASE_URL"])
        self.app = build_app(self.config)

    @property
    def url(self):
        return self.config["MIGRATE_DATABASE_URL"]

    def cli(self, *args):
        return self.app.test_cli_runner().invoke(args=list(args))

    def drop(self):
        from core.tenancy.scopes import dispose_owner_engines
        dispose_owner_engines()
        if self.pg:
            self.pg.drop()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kind(request):
    if request.param == "postgresql":
        require_pg()
    return request.param


@pytest.fixture(scope="module")
def source(kind, tmp_path_factory):
    """The demo district, loaded once per kind of database (the tests only read it)."""
    db = Target(kind, tmp_path_factory.mktemp("source"), "source", migrated=True)
    result = db.cli("demo", "load", "--households", "6-6")
    assert result.exit_code == 0, result.output
    yield db
    db.drop()


@pytest.fixture
def empty(kind, tmp_path):
    db = Target(kind, tmp_path, "restored", migrated=False)
    yield db
    db.drop()


def test_a_backup_restores_into_a_fresh_database_row_for_row(source, empty, tmp_path):
    path = tmp_path / "jiceng.backup"
    result = source.cli("backup", str(path))
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0 and not path.with_name(path.name + ".partial").exists()

    result = empty.cli("restore", str(path))
    assert result.exit_code == 0, result.output
    before, after = backup.digest(source.url), backup.digest(empty.url)
    assert after == before  # every table: row count and a hash of its rows in key order
    assert before["tenant"][0] == 6 and before["person"][0] > 100 and before["grid__event"][0] > 0
    assert before["volunteer__txn"][0] > 0 and before["alembic_version"][0] == 1
    if source.pg:
        assert any(name.startswith("sequence ") for name in before)

    # the restored database serves the demo: as the runtime role on PostgreSQL, with row-level security
    client = empty.app.test_client()
    client.post("/login", data={"username": "district-admin", "password": DEMO_PASSWORD,
                                "csrf_token": csrf_token(client)})
    page = client.get("/t/xiejiaji/org/overview")
    assert page.status_code == HTTPStatus.OK and "谢家集" in page.text


def test_restore_refuses_a_database_with_data_unless_forced(source, empty, tmp_path):
    path = tmp_path / "jiceng.backup"
    assert source.cli("backup", str(path)).exit_code == 0
    assert empty.cli("restore", str(path)).exit_code == 0
    with create_engine(empty.url).begin() as conn:
        conn.execute(text("DELETE FROM calendar_day"))
        conn.execute(text("UPDATE tenant SET name = 'changed' WHERE slug = 'xiejiaji'"))
    changed = backup.digest(empty.url)

    refused = empty.cli("restore", str(path))
    assert refused.exit_code == 1
    assert "already holds" in refused.output and "--force" in refused.output
    assert backup.digest(empty.url) == changed, "a refused restore changes nothing"

    forced = empty.cli("restore", str(path), "--force")
    assert forced.exit_code == 0, forced.output
    assert backup.digest(empty.url) == backup.digest(source.url)


def test_a_sqlite_backup_taken_while_the_app_writes_is_one_moment(tmp_path):
    """A writer adds rows two at a time in one transaction each; every backup holds whole pairs."""
    url = f"sqlite:///{tmp_path}/busy.db"
    migrate.upgrade(url)
    app = build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url})
    setup = sqlite3.connect(tmp_path / "busy.db")
    setup.execute("CREATE TABLE pair_log (n INTEGER NOT NULL, half INTEGER NOT NULL)")
    setup.commit()
    setup.close()
    stop, written = threading.Event(), []

    def write():
        conn = sqlite3.connect(tmp_path / "busy.db", isolation_level=None, timeout=10)
        n = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO pair_log VALUES (?, 1)", (n,))
            conn.execute("INSERT INTO pair_log VALUES (?, 2)", (n,))
            conn.execute("COMMIT")
            n += 1
            written.append(n)
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        counts = []
        for i in range(5):
            path = tmp_path / f"busy-{i}.backup"
            result = app.test_cli_runner().invoke(args=["backup", str(path)])
            assert result.exit_code == 0, result.output
            copy = sqlite3.connect(path)
            count, halves = copy.execute("SELECT count(*), count(DISTINCT n) FROM pair_log").fetchone()
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            copy.close()
            assert count == 2 * halves, f"backup {i} holds half a transaction"
            counts.append(count)
    finally:
        stop.set()
        writer.join()
    assert written and len(set(counts)) > 1, "the writer kept writing while the backups were taken"


def test_backup_says_why_it_cannot(tmp_path, app):
    missing = build_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/none.db",
                         "MIGRATE_DATABASE_URL": f"sqlite:///{tmp_path}/none.db"})
    result = missing.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.backup")])
    assert result.exit_code == 1
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "absent.backup")])
    assert result.exit_code != 0 and "absent.backup" in result.output
