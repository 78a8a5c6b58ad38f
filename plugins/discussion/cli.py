"""``jiceng discussion stats``: stations, distinct co-building units, cycles, quarterly compliance and the
office-hours matters whose outcomes went back, for a street or a district (summed over its streets)."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.group("discussion")
def discussion_group():
    """Party–masses discussion stations (党群议事站)."""


@discussion_group.command("stats")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@with_appcontext
def stats_cmd(tenant_slug, fmt):
    """The seed's figures: 42 stations, 111 units (distinct uscc), 336 cycles, compliance, office-hours matters."""
    from core.api import db, streets_of, tenant_by_slug, tenant_scope

    from .services import reports
    tenant = tenant_by_slug(tenant_slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {tenant_slug}")
    ids = [tenant.id] if tenant.kind == "street" else [s.id for s in streets_of(tenant.id)]
    db.session.remove()
    parts = []
    for tenant_id in ids:
        with tenant_scope(tenant_id, commit=False):
            parts.append(reports.stats())
    figures = {"tenant": tenant_slug, **reports.combine(parts)}
    if fmt == "json":
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            click.echo(f"{key}\t{value}")
