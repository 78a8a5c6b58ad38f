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
    found = dashboard.compound_rows(stmt=select(OrgUnit).where(OrgUnit.kind == "compound").order_by(OrgUnit.path))
    per = dashboard.by_tenant(found)
    streets = [(s, per.get(s.id)) for s in g.rollup_streets]
    api.audit.record("district.rollup", "property__coverage_period", None, endpoint="property.rollup",
                     streets=[s.slug for s in g.rollup_streets], compounds=len(found))
    api.db.session.commit()
    return render_template("property/rollup.html", streets=streets, figures=dashboard.figures(found), **labels.ALL)
