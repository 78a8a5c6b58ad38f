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
    try:
        warnings = migrate.upgrade(migrate_url(), revision)
    except migrate.MigrationRefused as err:
        click.secho(str(err), fg="red", err=True)
        raise SystemExit(1) from err
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    click.echo("database is up to date")


@db_group.command("downgrade")
@click.argument("revision")
@click.option("--branch", default="core")
@with_appcontext
def downgrade(revision, branch):
    migrate.downgrade(migrate_url(), revision, branch)


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
