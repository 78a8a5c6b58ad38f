"""``jiceng property ledger verify`` and ``jiceng property stats``: the subsidy ledger checked, and the
seed's figures (compounds, coverage, the fallback budget and accrual of every month) for a street or a district."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


def _tenants(slug: str | None) -> list:
    from core.api import all_tenants, streets_of, tenant_by_slug
    if not slug:
        return [t for t in all_tenants() if t.kind == "street"]
    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {slug}")
    return [tenant] if tenant.kind == "street" else list(streets_of(tenant.id))


@click.group("ledger")
def ledger_group():
    """The fallback subsidy ledger (兜底补贴台账)."""


@ledger_group.command("verify")
@click.option("--tenant", "tenant_slug", default=None, help="a street or a district (default: every street)")
@with_appcontext
def verify_cmd(tenant_slug):
    """Recompute the hash chain, every accrual's arithmetic and every reversal (exit 1 on a problem)."""
    from core.api import db, tenant_scope

    from .services import ledger
    tenants = _tenants(tenant_slug)
    db.session.remove()
    bad, lines = [], 0
    for t in tenants:
        with tenant_scope(t.id, commit=False):
            report = ledger.verify()
        lines += report["lines"]
        if not report["ok"]:
            bad.append(t.slug)
            for problem in report["problems"][:20]:
                click.echo(f"{t.slug}: LEDGER PROBLEM {problem}", err=True)
    if bad:
        click.echo(f"the subsidy ledger of {', '.join(bad)} does not verify", err=True)
        raise SystemExit(1)
    click.echo(f"ok: {len(tenants)} tenants, {lines} ledger lines: the hash chain is intact, every accrual is "
               f"rate × households × days × tier and every reversal mirrors one line")


@click.command("stats")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
@click.option("--window-end", "window_end", default=None, help="YYYY-MM (default: the newest budget month)")
@with_appcontext
def stats_cmd(tenant_slug, fmt, window_end):
    """Compounds, covered compounds and coverage %, and per month of the 24-month window the fallback
    subsidy budget and accrual in fen (a reversal counts against the line it reverses)."""
    from datetime import date

    from sqlalchemy import select

    from core.api import OrgUnit, db, tenant_scope

    from .services import dashboard, money_reports
    tenants = _tenants(tenant_slug)
    db.session.remove()
    end = None
    if window_end:
        year, month = (int(x) for x in window_end.split("-"))
        end = date(year, month, 1)
    compounds = covered = 0
    months: dict = {}
    if end is None:
        for t in tenants:
            with tenant_scope(t.id, commit=False):
                newest = money_reports.ledger_end()
                end = newest if end is None or newest > end else end
    for t in tenants:
        with tenant_scope(t.id, commit=False):
            f = dashboard.figures(dashboard.compound_rows(stmt=select(OrgUnit).where(OrgUnit.kind == "compound")))
            compounds, covered = compounds + f["compounds"], covered + f["covered"]
            for m in money_reports.stats_months(end):
                acc = months.setdefault(m["month"], {"month": m["month"], "budget_fen": 0, "accrual_fen": 0,
                                                     "disbursed_fen": 0})
                for k in ("budget_fen", "accrual_fen", "disbursed_fen"):
                    acc[k] += m[k]
    out = {"tenant": tenant_slug, "compounds": compounds, "covered": covered,
           "coverage_pct": dashboard.percent(covered, compounds), "months": [months[k] for k in sorted(months)]}
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"compounds\t{out['compounds']}\ncovered\t{out['covered']}\ncoverage_pct\t{out['coverage_pct']}")
    for m in out["months"]:
        click.echo(f"{m['month']}\tbudget {m['budget_fen']}\taccrual {m['accrual_fen']}\tdisbursed {m['disbursed_fen']}")


def add_commands(group) -> None:
    group.add_command(ledger_group)
    group.add_command(stats_cmd)
