"""The operators' command line: ``jiceng db|tenants|users|demo …``."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup


def _create(*_args, **_kwargs):
    from .. import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create, add_default_commands=True)
def main():
    """Jiceng (基层) operations."""


def init_cli(app: Flask) -> None:
    from .db import db_group
    from .demo import demo_group
    from .jobs import jobs_group
    from .plugins import plugins_group
    from .tenants import tenants_group
    from .users import users_group
    for group in (db_group, tenants_group, users_group, demo_group, jobs_group, plugins_group):
        app.cli.add_command(group)


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def migrate_url() -> str:
    return current_app.config["MIGRATE_DATABASE_URL"]
