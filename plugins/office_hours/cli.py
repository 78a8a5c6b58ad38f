"""``jiceng office-hours compliance``: the monthly rule per studio (a district sums its streets)."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext


@click.group("office-hours")
def group():
    """Representative office hours (党代表工作室接待)."""


@group.command("compliance")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--from", "start", default=None, help="YYYY-MM-DD (default: the demo's two-year window)")
@click.option("--to", "end", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@with_appcontext
def compliance_cmd(tenant_slug, start, end, fmt):
    """Studios, months, required and held receptions, and the months kept with no visitors."""
    from sqlalchemy import select

    from core.api import db, streets_of, tenant_by_slug, tenant_scope

    from .demo import default_window
    from .models import Studio
    from .services import compliance
    tenant = tenant_by_slug(tenant_slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {tenant_slug}")
    ids = [tenant.id] if tenant.kind == "street" else [s.id for s in streets_of(tenant.id)]
    db.session.remove()
    lo, hi = default_window()
    lo = date.fromisoformat(start) if start else lo
    hi = date.fromisoformat(end) if end else hi
    total: dict = {}
    for tenant_id in ids:
        with tenant_scope(tenant_id, commit=False):
            studios = list(db.session.scalars(select(Studio).where(Studio.status == "active").order_by(Studio.id)))
            part = compliance.summary(studios, lo, hi)
            for k, v in part.items():
                if k == "months":
                    total[k] = v
                elif k == "all_kept":
                    total[k] = total.get(k, True) and v
                else:
                    total[k] = total.get(k, 0) + v
    total.setdefault("all_kept", True)
    if fmt == "json":
        click.echo(json.dumps({"tenant": tenant_slug, "from": lo.isoformat(), "to": hi.isoformat(), **total},
                              ensure_ascii=False))
    else:
        for k, v in total.items():
            click.echo(f"{k}\t{v}")
