"""覆盖看板 of a street and of a district across its streets."""
from __future__ import annotations

from flask import g, render_template, request
from sqlalchemy import select

from core import api
from core.api import district_rollup, OrgUnit, writes_on_get

from ..services import dashboard
from . import labels


def page():
    rows = dashboard.compound_rows()
    return render_template("property/coverage.html", figures=dashboard.figures(rows), **labels.ALL)


def rows():
    """The compounds behind a bar of the dashboard (``hx-get`` with ``mode`` or ``gaps``)."""
    found = dashboard.compound_rows(mode=request.args.get("mode") or None, gaps=bool(request.args.get("gaps")),
                                    expiring=bool(request.args.get("expiring")))
    return render_template("property/_compound_rows.html", rows=found, **labels.ALL)


@district_rollup
@writes_on_get
def rollup():
    """A district: coverage of each of its streets (read-only, audited)."""
    figures = api.cached_rollup("property.rollup", _rollup_figures, dashboard.today().isoformat())
    per = dict(figures["streets"])
    streets = [(s, per.get(s.id)) for s in g.rollup_streets]
    api.audit.record("district.rollup", "property__coverage_period", None, endpoint="property.rollup",
                     streets=[s.slug for s in g.rollup_streets], compounds=figures["total"]["compounds"])
    api.db.session.commit()
    return render_template("property/rollup.html", streets=streets, figures=figures["total"], **labels.ALL)


#: the figures the district's page shows (its rows stay out: they are not shared between workers)
SHOWN = ("compounds", "covered", "compound_pct", "household_pct", "area_pct", "bodies", "party_orgs")


def _rollup_figures() -> dict:
    """Coverage over the district's streets and of each street, as plain JSON to share between workers."""
    found = dashboard.compound_rows(stmt=select(OrgUnit).where(OrgUnit.kind == "compound").order_by(OrgUnit.path))

    def plain(f: dict) -> dict:
        return {**{k: f[k] for k in SHOWN}, "gaps": [r.compound.name for r in f["gaps"]]}
    return {"total": plain(dashboard.figures(found)),
            "streets": [[tid, plain(f)] for tid, f in dashboard.by_tenant(found).items()]}
