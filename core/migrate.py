"""Run Alembic for core and every installed plugin's branch.

One environment (``migrations/``); each branch keeps its own version table
(``alembic_version`` for core, ``alembic_version__<plugin>`` for plugins) and starts from
``down_revision=None``, so removing a plugin never strands core.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)
#: how a branch with no revision applied yet is shown
NONE = "(none)"


class MigrationRefused(RuntimeError):
    """A plugin's migrations cannot run against this core schema; the message names the plugin."""


def alembic_config(url: str, branch: str = "core", location: Path | None = None, plugins=None) -> Config:
    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("version_locations", str(location or ROOT / "migrations" / "versions" / branch))
    cfg.attributes["url"] = url
    if plugins is not None:
        cfg.attributes["plugins"] = plugins
        if branch in plugins.plugins:
            cfg.attributes["table_prefix"] = plugins.plugins[branch].manifest.prefix
    cfg.cmd_opts = type("Opts", (), {"x": [f"branch={branch}"]})()
    return cfg


def _installed():
    from .plugins.manager import registry
    return registry()


def _location(branch: str, plugins) -> Path:
    if branch == "core":
        return ROOT / "migrations" / "versions" / "core"
    if branch not in plugins.plugins:
        raise MigrationRefused(f"no installed plugin is called {branch}")
    return plugins.plugins[branch].manifest.migrations_path()


def current_revision(conn, branch: str = "core") -> str | None:
    table = "alembic_version" if branch == "core" else f"alembic_version__{branch}"
    return MigrationContext.configure(conn, opts={"version_table": table}).get_current_revision()


def upgrade(url: str, revision: str = "heads", plugins=None, report=None) -> list[str]:
    """Upgrade core, then each installed plugin in dependency order, under a migration lock; on
    PostgreSQL, end with the runtime role's privileges as declared.

    ``report`` receives one line per branch (its revision before and after) as the work proceeds,
    so an operator sees what changed and, when a plugin fails, what had already been done.
    Returns warnings (version tables of plugins no longer installed).
    """
    report = report or (lambda line: None)
    engine = create_engine(url)
    warnings: list[str] = []
    changed = 0
    try:
        with engine.connect() as conn:
            pg = conn.dialect.name == "postgresql"
            if pg:
                conn.exec_driver_sql("SELECT pg_advisory_lock(7241)")
                conn.commit()
            try:
                reg = plugins if plugins is not None else _installed()
                changed += _run(conn, url, "core", _location("core", reg), revision, report)
                core_rev = current_revision(conn)
                core_script = ScriptDirectory.from_config(alembic_config(url))
                for name, loaded in reg.plugins.items():
                    location = loaded.manifest.migrations_path()
                    if not location.is_dir():
                        continue
                    needed = loaded.manifest.requires_core_revision
                    if needed and needed not in {r.revision for r in core_script.iterate_revisions(core_rev, "base")}:
                        raise MigrationRefused(f"plugin {name} needs core migration {needed}, "
                                               f"which is not applied (core is at {core_rev})")
                    changed += _run(conn, url, name, location, "heads", report)
                if pg:  # every upgrade ends with the runtime role's privileges as declared
                    from .migrate_ops import app_role
                    from .tenancy import privileges
                    if privileges.apply(conn, app_role(), reg):
                        report(f"runtime role {app_role()}: table privileges set to the declared list")
                    conn.commit()
                installed = set(reg.plugins)
                for table in inspect(conn).get_table_names():
                    if table.startswith("alembic_version__") and table.removeprefix("alembic_version__") not in installed:
                        warnings.append(f"tables of plugin {table.removeprefix('alembic_version__')} remain; "
                                        f"it is no longer installed")
            finally:
                if pg:
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(7241)")
                    conn.commit()
    finally:
        engine.dispose()
    for w in warnings:
        log.warning(w)
    report(f"database upgraded: {changed} branch(es) changed" if changed else "database is up to date")
    return warnings


def _run(conn, url: str, branch: str, location: Path, revision: str, report) -> bool:
    before = current_revision(conn, branch)
    cfg = alembic_config(url, branch, location)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
    after = current_revision(conn, branch)
    if before == after:
        report(f"{branch}: {after or NONE}, " + ("up to date" if revision == "heads" else "unchanged"))
    else:
        report(f"{branch}: {before or NONE} → {after or NONE}")
    return before != after


def downgrade(url: str, revision: str, branch: str = "core", plugins=None) -> None:
    location = _location(branch, plugins if plugins is not None else _installed())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            cfg = alembic_config(url, branch, location)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def revision(url: str, message: str, branch: str = "core", autogenerate: bool = True, plugins=None) -> Path | None:
    """Write the branch's next migration (``<plugin>_0002`` after ``<plugin>_0001``; a plugin's first
    starts its branch from nothing). Autogenerate sees only the branch's own tables, creates tenant
    tables with row-level security and writes nothing when the models match the database.

    Returns the script written, or None.
    """
    reg = plugins if plugins is not None else _installed()
    location = _location(branch, reg)
    location.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(url, branch, location, plugins=reg)
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    from .migrate_autogen import next_revision_id
    written = command.revision(cfg, message=message, autogenerate=autogenerate, head=head or "base",
                               rev_id=next_revision_id(script, branch), version_path=str(location),
                               branch_label=branch if head is None and branch != "core" else None)
    return Path(written.path) if written else None


def branches(plugins) -> list[tuple[str, Path]]:
    """Core and each installed plugin that has migrations, with the folder of its revisions."""
    found = [("core", _location("core", plugins))]
    found += [(name, path) for name, path in ((n, p.manifest.migrations_path()) for n, p in plugins.plugins.items())
              if path.is_dir()]
    return found


@dataclass(frozen=True)
class BranchStatus:
    branch: str
    current: str | None
    head: str | None
    state: str  # "up to date" | "behind" | "ahead of this code" | "not installed"


def status(url: str, plugins=None) -> list[BranchStatus]:
    """Core and each installed plugin's branch: the revision applied and the newest there is; then
    the branches of plugins that are gone but whose tables remain."""
    reg = plugins if plugins is not None else _installed()
    engine = create_engine(url)
    rows = []
    try:
        with engine.connect() as conn:
            for branch, location in branches(reg):
                script = ScriptDirectory.from_config(alembic_config(url, branch, location))
                current, head = current_revision(conn, branch), ", ".join(script.get_heads()) or None
                known = {r.revision for r in script.walk_revisions()}
                state = ("up to date" if current == head else
                         "behind" if current is None or current in known else "ahead of this code")
                rows.append(BranchStatus(branch, current, head, state))
            for table in sorted(inspect(conn).get_table_names()):
                gone = table.removeprefix("alembic_version__")
                if table.startswith("alembic_version__") and gone not in reg.plugins:
                    rows.append(BranchStatus(gone, current_revision(conn, gone), None, "not installed"))
    finally:
        engine.dispose()
    return rows
