"""Where a resident's report is: community → compound → grid, or a grid tapped on the map; never latitude and
longitude typed by hand (the phone may still fill a point with "use my location")."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from core import api
from core.api import OrgUnit, arg, audience, db, parse_id

from .. import profiles
from .common import grids
from .grids import _svg


def place_context(community_id=None, compound_id=None, grid_id=None) -> dict:
    """The picker's choices: every community; the chosen community's compounds; its grids (those holding the
    chosen compound's buildings when one is chosen); the map of those grids."""
    every = grids(False)
    chosen = next((g for g in every if g.id == grid_id), None)
    if chosen is not None and community_id is None:
        community_id = chosen.parent_id
    communities = sorted(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").limit(500)),
                         key=lambda u: api.natural_key(u.name))
    community = next((c for c in communities if c.id == community_id), None)
    compounds, shown = [], every
    if community is not None:
        compounds = sorted(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "compound",
                                                                    OrgUnit.parent_id == community.id).limit(500)),
                           key=lambda u: api.natural_key(u.name))
        shown = [g for g in every if g.parent_id == community.id]
    compound = next((c for c in compounds if c.id == compound_id), None)
    if compound is not None:
        holding = set(db.session.scalars(select(OrgUnit.parent_id).where(
            OrgUnit.kind == "building", OrgUnit.attrs["compound_id"].as_integer() == compound.id)))
        shown = [g for g in shown if g.id in holding or compound.code in (g.attrs.get("compounds") or [])] or shown
    if chosen is None and len(shown) == 1 and (compound is not None or community is not None):
        chosen = shown[0]
    rows = profiles.current_all([g.id for g in shown])
    svg = _svg(rows, {g.id: g.name for g in shown}, {}, {g.id: g.label for g in shown}) if rows else None
    return {"communities": communities, "community": community, "compounds": compounds, "compound": compound,
            "place_grids": shown, "chosen_grid": chosen, "place_svg": svg}


@audience("public")
def places():
    """The picker again after a choice (htmx): the community's compounds and grids, or the grid tapped."""
    return render_template("grid/_place_picker.html", errors={}, form={}, **place_context(
        arg("community_id", parse_id), arg("compound_id", parse_id), arg("grid_id", parse_id)))


def report_place(form) -> dict:
    """The picker on the report page, with the grid already in the form (a poster's QR code names it)."""
    grid_id = form.get("grid_id")
    try:
        grid_id = int(grid_id) if grid_id not in (None, "") else None
    except (TypeError, ValueError):
        grid_id = None
    return place_context(grid_id=grid_id) if request.method == "GET" or grid_id else place_context()
