"""``jiceng db``: schema migrations (run once before the server starts, never in workers)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import migrate
from . import migrate_url


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="heads")
@with_appcontext
def upgrade(revision):
    """Upgrade core to its newest revision."""
    migrate.upgrade(migrate_url(), revision)
    click.echo("database is up to date")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision):
    migrate.downgrade(migrate_url(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--branch", default="core")
@click.option("--autogenerate/--empty", default=True)
@with_appcontext
def revision(message, branch, autogenerate):
    """Write a new migration into a branch."""
    migrate.revision(migrate_url(), message, branch, autogenerate)


@db_group.command("status")
@with_appcontext
def status():
    migrate.current(migrate_url())
