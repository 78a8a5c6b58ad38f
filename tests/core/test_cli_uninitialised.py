"""Every command run on a database that was never migrated says what to do, not a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.cli import NOT_INITIALISED, main
from core.testing import PgDatabase, build_app, require_pg

COMMANDS = [
    ["demo", "load", "--households", "0"],
    ["users", "create", "--username", "someone", "--name", "某人"],
    ["users", "import", "{csv}", "--tenant", "xjj-xiejiaji"],
    ["tenants", "list"],
    ["tenants", "apply", str(Path(__file__).resolve().parents[2] / "tenants" / "xiejiaji")],
    ["jobs", "run"],
    ["plugins", "list"],
    ["plugins", "enable", "hello", "--tenant", "xjj-xiejiaji"],
    ["grid", "stats", "--tenant", "xjj-xiejiaji"],
]


def _run(app, args):
    return app.test_cli_runner().invoke(main, args=args)


def _says_not_initialised(result) -> None:
    assert result.exit_code == 1, result.output
    assert NOT_INITIALISED in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


@pytest.fixture
def empty_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    return build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url})


def test_every_command_on_an_empty_sqlite_file_asks_for_db_upgrade(empty_sqlite, tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("用户名,姓名,角色,节点编码\nzhang,张甲01,grid_worker,\n", encoding="utf-8")
    for args in COMMANDS:
        result = _run(empty_sqlite, [a.format(csv=users) for a in args])
        assert NOT_INITIALISED in result.output, (args, result.output)
        _says_not_initialised(result)
    assert _run(empty_sqlite, ["db", "upgrade"]).exit_code == 0
    listed = _run(empty_sqlite, ["plugins", "list"])
    assert listed.exit_code == 0 and "grid" in listed.output and NOT_INITIALISED not in listed.output


@pytest.mark.postgres
def test_an_empty_postgresql_database_gets_the_same_answer():
    pg = PgDatabase(require_pg())
    try:
        app = build_app({"SQLALCHEMY_DATABASE_URI": pg.app_url, "MIGRATE_DATABASE_URL": pg.owner_url})
        for args in (["tenants", "list"], ["plugins", "list"], ["jobs", "run"], ["demo", "load", "--households", "0"]):
            _says_not_initialised(_run(app, args))
    finally:
        from core.tenancy.scopes import dispose_owner_engines
        dispose_owner_engines()
        pg.drop()
