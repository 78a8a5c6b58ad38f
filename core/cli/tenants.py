"""``jiceng tenants``: apply declarative tenant definitions; list tenants."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from . import fail


@click.group("tenants")
def tenants_group():
    """Districts and streets."""


@tenants_group.command("apply")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--dry-run", is_flag=True, help="show what would change, write nothing")
@with_appcontext
def apply_cmd(folders, dry_run):
    """Create or update tenants from tenants/<slug>/tenant.toml (parents first; reruns change nothing)."""
    from ..tenancy import definitions
    from ..tenancy.scopes import system_scope
    try:
        defs = definitions.ordered([Path(f) for f in folders])
    except ValidationError as err:
        fail(f"invalid tenant definition: {err.messages}")
    with system_scope("tenants apply") as session:
        for _folder, definition in defs:
            report = definitions.apply(session, definition)
            click.echo(f"{definition['slug']}: {len(report.created)} created, {len(report.changed)} changed"
                       + (f", not in file: {', '.join(report.unlisted)}" if report.unlisted else ""))
        if dry_run:
            session.rollback()
            click.echo("dry run: nothing written")


@tenants_group.command("list")
@with_appcontext
def list_cmd():
    from ..tenancy.models import Tenant
    from ..tenancy.scopes import system_scope
    with system_scope("tenants list") as session:
        for t in session.scalars(select(Tenant).order_by(Tenant.id)):
            flag = "demo" if t.is_demo else ""
            click.echo("\t".join((t.slug, t.kind, t.name, t.status, flag)).rstrip())
