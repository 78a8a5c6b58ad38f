"""``jiceng property …``: command-line figures of the property module."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.group("property")
def property_group():
    """Property-management linkage (物业管理联动)."""


@property_group.command("coverage")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@with_appcontext
def coverage_cmd(tenant_slug, fmt):
    """Compounds, covered compounds and coverage by households and area today, for a street or a district."""
    from sqlalchemy import select

    from core.api import db, OrgUnit, streets_of, tenant_by_slug, tenant_scope

    from .services import dashboard
    tenant = tenant_by_slug(tenant_slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {tenant_slug}")
    ids = [tenant.id] if tenant.kind == "street" else [s.id for s in streets_of(tenant.id)]
    db.session.remove()
    parts = []
    for tenant_id in ids:
        with tenant_scope(tenant_id, commit=False):
            parts.append(dashboard.summary(dashboard.compound_rows(
                stmt=select(OrgUnit).where(OrgUnit.kind == "compound"))))
    figures = {"tenant": tenant_slug, **dashboard.combine(parts)}
    if fmt == "json":
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            click.echo(f"{key}\t{value}")
