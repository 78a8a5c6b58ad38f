"""Search-as-you-type pickers (htmx): the options of a unit or person select, filtered by what was typed, so a
form never asks for an internal id and a long list is narrowed by name."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from core import api
from core.api import OrgUnit, Person, db, requires

from .common import unit_tree
from .grids import _grid_or_404

#: options one search returns
PICK_LIMIT = 50


def _typed() -> str:
    return request.args.get("q", "").strip()[:50]


@requires("grid.view")
def pick_units():
    """Street, communities and grids whose display name (靠山社区·第1网格) contains what was typed."""
    q = _typed()
    units = [u for u in unit_tree() if not q or q in u.name][:PICK_LIMIT]
    return render_template("grid/_pick_options.html", options=[(u.id, u.name) for u in units],
                           chosen=request.args.get("chosen", ""))


@requires("grid.config.grids")
def pick_people(grid_id: int):
    """People of the grid's community whose name contains what was typed (the staffing form's picker)."""
    grid = _grid_or_404(grid_id)
    community = api.org_unit(grid.parent_id) or grid
    q = _typed()
    stmt = select(Person).where(Person.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(community.path))),
                                Person.erased_at.is_(None))
    if q:
        stmt = stmt.where(Person.name.contains(q, autoescape=True))
    people = db.session.scalars(stmt.order_by(Person.name).limit(PICK_LIMIT))
    return render_template("grid/_pick_options.html", chosen="", options=[(p.id, _person_label(p)) for p in people])


def _person_label(person: Person) -> str:
    tags = "、".join(person.tags or ())
    return f"{person.name}（{tags}）" if tags else person.name
