"""The case page: one resident's matter, every module it passed through."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..auth.permissions import requires
from . import services

bp = Blueprint("cases", __name__, url_prefix="/t/<tenant>/cases")


@bp.get("/<case_number:number>")
@requires("core.dashboard.view")
def case(number: str):
    """Each step links to its own page; steps the user may not see are only counted."""
    found, steps, hidden = services.path(number)
    if found is None or not steps:
        abort(404)  # a case with nothing this user may see does not exist for them
    return render_template("cases/case.html", case=found, steps=steps, hidden=hidden)
