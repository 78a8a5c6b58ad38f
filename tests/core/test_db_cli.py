"""``jiceng db status`` and ``jiceng db upgrade`` tell the operator what each branch is at and what changed."""
from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from core import migrate
from core.testing import PgDatabase, build_app, require_pg


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, database, tmp_path):
    """An app whose migrations go to an empty database of each kind."""
    if request.param == "sqlite":
        yield build_app(database, MIGRATE_DATABASE_URL=f"sqlite:///{tmp_path}/cli.db")
        return
    pg = PgDatabase(require_pg())
    yield build_app(database, MIGRATE_DATABASE_URL=pg.owner_url)
    pg.drop()


def heads(app) -> dict[str, str]:
    reg = app.extensions["jiceng.plugins"]
    found = {"core": script(app, "core").get_current_head()}
    for name, loaded in reg.plugins.items():
        if loaded.manifest.migrations_path().is_dir():
            found[name] = script(app, name).get_current_head()
    return found


def script(app, branch: str) -> ScriptDirectory:
    location = migrate._location(branch, app.extensions["jiceng.plugins"])
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://", branch, location))


def db(app, *args):
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output
    return result.output


def status_rows(output: str) -> dict[str, list[str]]:
    lines = [line for line in output.splitlines()[1:] if not line.startswith("behind")]
    return {line.split()[0]: line.split(None, 3)[1:] for line in lines}


def test_status_lists_every_branch_and_says_which_are_behind(fresh):
    newest = heads(fresh)
    assert {"core", "grid", "hello"} <= set(newest)
    rows = status_rows(db(fresh, "status"))
    assert rows == {b: ["(none)", head, "behind"] for b, head in newest.items()}

    db(fresh, "upgrade")
    out = db(fresh, "status")
    assert status_rows(out) == {b: [head, head, "up to date"] for b, head in newest.items()}
    assert "behind" not in out

    previous = script(fresh, "grid").get_revision(newest["grid"]).down_revision
    db(fresh, "downgrade", previous, "--branch", "grid")
    out = db(fresh, "status")
    assert status_rows(out)["grid"] == [previous, newest["grid"], "behind"]
    assert status_rows(out)["core"][2] == "up to date"
    assert "behind: grid; run `jiceng db upgrade`" in out


def test_upgrade_prints_each_branch_from_and_to(fresh):
    newest = heads(fresh)
    out = db(fresh, "upgrade")
    for branch, head in newest.items():
        assert f"{branch}: (none) → {head}" in out
    assert out.index("core:") < out.index("grid:")
    assert f"database upgraded: {len(newest)} branch(es) changed" in out
    postgres = fresh.config["MIGRATE_DATABASE_URL"].startswith("postgresql")
    assert ("runtime role jiceng_app: table privileges set to the declared list" in out) is postgres

    out = db(fresh, "upgrade")
    for branch, head in newest.items():
        assert f"{branch}: {head}, up to date" in out
    assert out.rstrip().endswith("database is up to date")


def test_upgrade_help_says_what_it_does_and_in_which_order(app):
    out = app.test_cli_runner().invoke(args=["db", "upgrade", "--help"]).output
    text = " ".join(out.split())
    assert "core first, then each installed plugin's branch in dependency order" in text
    assert "runtime role's table privileges are set to the declared list" in text
    assert "Prints each branch's revision before and after" in text
    assert "plugins always go to their newest revision" in text
