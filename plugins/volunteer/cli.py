"""``jiceng volunteer ledger verify`` and ``jiceng volunteer stats``."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.group("volunteer")
def volunteer_group():
    """Volunteer points (志愿积分)."""


@volunteer_group.group("ledger")
def ledger_group():
    """The hours and points ledger."""


def _tenants(slug: str | None) -> list:
    from core.api import all_tenants, streets_of, tenant_by_slug
    if not slug:
        return [t for t in all_tenants() if t.kind == "street"]
    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {slug}")
    return [tenant] if tenant.kind == "street" else list(streets_of(tenant.id))


@ledger_group.command("verify")
@click.option("--tenant", "tenant_slug", default=None, help="a street or a district (default: every street)")
@click.option("--rebuild", is_flag=True, help="recompute the cached balances from the entries first")
@with_appcontext
def verify_cmd(tenant_slug, rebuild):
    """Check the hash chain, that the ledger sums to zero and every cached balance matches Σ entries (exit 1 if not)."""
    from core.api import db, tenant_scope

    from .services import ledger
    tenants = _tenants(tenant_slug)
    db.session.remove()
    bad, txns, accounts = [], 0, 0
    for t in tenants:
        with tenant_scope(t.id, commit=rebuild):
            report = ledger.verify(rebuild=rebuild)
        txns += report["transactions"]
        accounts += report["accounts"]
        if report["rebuilt"]:
            click.echo(f"{t.slug}: rebuilt {report['rebuilt']} cached balances")
        if not report["ok"]:
            bad.append(t.slug)
            click.echo(f"{t.slug}: LEDGER PROBLEM totals={report['totals']} unbalanced={report['unbalanced'][:10]} "
                       f"reversed_reversals={report['reversed_reversals']} mismatched={report['mismatched'][:10]} "
                       f"chain={report['chain'][:5]}",
                       err=True)
    if bad:
        raise SystemExit(1)
    click.echo(f"ok: {len(tenants)} tenants, {txns} transactions: the hash chain is intact, the ledger sums to zero "
               f"in every currency and every one of {accounts} cached balances matches its entries")


@volunteer_group.command("stats")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@with_appcontext
def stats_cmd(tenant_slug, fmt):
    """The seed's figures: teams, claimed posts, members, activities and beneficiaries."""
    from core.api import db, tenant_scope

    from .services import reports
    tenants = _tenants(tenant_slug)
    db.session.remove()
    totals: dict[str, int] = {}
    for t in tenants:
        with tenant_scope(t.id, commit=False):
            for k, v in reports.figures().items():
                totals[k] = totals.get(k, 0) + v
    if fmt == "json":
        click.echo(json.dumps({"tenant": tenant_slug, **totals}, ensure_ascii=False))
    else:
        for k, v in totals.items():
            click.echo(f"{k}\t{v}")
