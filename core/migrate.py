"""Run Alembic for core (and, later, plugin branches) from the ``jiceng db`` commands."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str, branch: str = "core") -> Config:
    cfg = Config(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("version_locations", str(ROOT / "migrations" / "versions" / branch))
    cfg.attributes["url"] = url
    cfg.cmd_opts = type("Opts", (), {"x": [f"branch={branch}"]})()
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade core under a migration lock (PostgreSQL advisory lock; SQLite serialises writers)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_lock(7241)")
                conn.commit()
            try:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
            finally:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(7241)")
                    conn.commit()
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str, branch: str = "core", autogenerate: bool = True) -> None:
    command.revision(alembic_config(url, branch), message=message, autogenerate=autogenerate)


def current(url: str) -> None:
    command.current(alembic_config(url))
