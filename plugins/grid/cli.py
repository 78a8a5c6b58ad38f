"""``jiceng grid stats``: solved counts by bucket for a tenant (a district sums its streets)."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from core.api import db, streets_of, tenant_by_slug, tenant_scope

from . import stats
from .demo import default_window


@click.group("grid")
def grid_group():
    """Grid management."""


@grid_group.command("stats")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--from", "start", default=None, help="YYYY-MM-DD (default: the demo's two-year window)")
@click.option("--to", "end", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@with_appcontext
def stats_cmd(tenant_slug, start, end, fmt):
    """Solved counts by bucket over a period, as the seed article reports them."""

    tenant = tenant_by_slug(tenant_slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {tenant_slug}")
    ids = [tenant.id] if tenant.kind == "street" else [s.id for s in streets_of(tenant.id)]
    db.session.remove()
    lo, hi = default_window()
    lo = date.fromisoformat(start) if start else lo
    hi = date.fromisoformat(end) if end else hi
    totals: dict[str, dict[str, int]] = {}
    for tenant_id in ids:
        with tenant_scope(tenant_id, commit=False):
            for bucket, row in stats.buckets(lo, hi).items():
                agg = totals.setdefault(bucket, {k: 0 for k in row})
                for k, v in row.items():
                    agg[k] += v
    if fmt == "json":
        click.echo(json.dumps({"tenant": tenant_slug, "from": lo.isoformat(), "to": hi.isoformat(),
                               "solved": {b: v["solved"] for b, v in totals.items()}, "buckets": totals},
                              ensure_ascii=False))
    else:
        for bucket, row in totals.items():
            click.echo(f"{bucket}\t{row['solved']}")
