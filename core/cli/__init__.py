"""The operators' command line: ``jiceng db|tenants|users|demo …``."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup


def _create(*_args, **_kwargs):
    from .. import create_app
    # the command line migrates and maintains as the owner role; only a serving app checks its role
    return create_app({"CHECK_DB_ROLE": False})


NOT_INITIALISED = "数据库尚未初始化，请先运行 jiceng db upgrade (the database is not initialised: run jiceng db upgrade first)"


def missing_table(exc: BaseException | None) -> bool:
    """A "no such table" (SQLite) or undefined-table (PostgreSQL) error anywhere in the chain."""
    from sqlalchemy.exc import DBAPIError
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DBAPIError):
            orig = exc.orig
            if getattr(orig, "sqlstate", None) == "42P01" or "no such table" in str(orig):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


class JicengGroup(FlaskGroup):
    """Every command on a database that was never migrated says so, instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if ctx.invoked_subcommand != "db" and missing_table(exc):  # db upgrade's own errors stay as they are
                fail(NOT_INITIALISED)
            raise


@click.group(cls=JicengGroup, create_app=_create, add_default_commands=True)
def main():
    """Jiceng (基层) operations."""


def init_cli(app: Flask) -> None:
    from .backup import backup_command, restore_command
    from .db import db_group
    from .demo import demo_group
    from .jobs import jobs_group
    from .org import org_group
    from .plugins import plugins_group
    from .tenants import tenants_group
    from .users import users_group
    for group in (db_group, tenants_group, users_group, demo_group, jobs_group, plugins_group, org_group):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def migrate_url() -> str:
    return current_app.config["MIGRATE_DATABASE_URL"]
