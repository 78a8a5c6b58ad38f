"""Run Alembic for core and every installed plugin's branch.

One environment (``migrations/``); each branch keeps its own version table
(``alembic_version`` for core, ``alembic_version__<plugin>`` for plugins) and starts from
``down_revision=None``, so removing a plugin never strands core.
"""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


class MigrationRefused(RuntimeError):
    """A plugin's migrations cannot run against this core schema; the message names the plugin."""


def alembic_config(url: str, branch: str = "core", location: Path | None = None) -> Config:
    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("version_locations", str(location or ROOT / "migrations" / "versions" / branch))
    cfg.attributes["url"] = url
    cfg.cmd_opts = type("Opts", (), {"x": [f"branch={branch}"]})()
    return cfg


def _installed():
    from .plugins.manager import registry
    return registry()


def current_revision(conn, branch: str = "core") -> str | None:
    table = "alembic_version" if branch == "core" else f"alembic_version__{branch}"
    return MigrationContext.configure(conn, opts={"version_table": table}).get_current_revision()


def upgrade(url: str, revision: str = "heads", plugins=None) -> list[str]:
    """Upgrade core, then each installed plugin in dependency order, under a migration lock.

    Returns warnings (version tables of plugins no longer installed).
    """
    engine = create_engine(url)
    warnings: list[str] = []
    try:
        with engine.connect() as conn:
            pg = conn.dialect.name == "postgresql"
            if pg:
                conn.exec_driver_sql("SELECT pg_advisory_lock(7241)")
                conn.commit()
            try:
                _run(conn, url, "core", ROOT / "migrations" / "versions" / "core", revision)
                core_rev = current_revision(conn)
                core_script = ScriptDirectory.from_config(alembic_config(url))
                reg = plugins if plugins is not None else _installed()
                for name, loaded in reg.plugins.items():
                    location = loaded.manifest.migrations_path()
                    if not location.is_dir():
                        continue
                    needed = loaded.manifest.requires_core_revision
                    if needed and needed not in {r.revision for r in core_script.iterate_revisions(core_rev, "base")}:
                        raise MigrationRefused(f"plugin {name} needs core migration {needed}, "
                                               f"which is not applied (core is at {core_rev})")
                    _run(conn, url, name, location, "heads")
                if pg:  # every upgrade ends with the runtime role's privileges as declared
                    from .migrate_ops import app_role
                    from .tenancy import privileges
                    privileges.apply(conn, app_role())
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
    return warnings


def _run(conn, url: str, branch: str, location: Path, revision: str) -> None:
    cfg = alembic_config(url, branch, location)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def downgrade(url: str, revision: str, branch: str = "core") -> None:
    location = ROOT / "migrations" / "versions" / "core"
    if branch != "core":
        location = _installed().plugins[branch].manifest.migrations_path()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            cfg = alembic_config(url, branch, location)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def revision(url: str, message: str, branch: str = "core", autogenerate: bool = True) -> None:
    """Write a migration into a branch; a plugin's first one starts its branch from nothing."""
    location = ROOT / "migrations" / "versions" / "core"
    if branch != "core":
        location = _installed().plugins[branch].manifest.migrations_path()
        location.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(url, branch, location)
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    command.revision(cfg, message=message, autogenerate=autogenerate, head=head or "base",
                     version_path=str(location))


def current(url: str) -> None:
    command.current(alembic_config(url))
