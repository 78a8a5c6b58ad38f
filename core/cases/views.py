"""The case page: one resident's matter, every module it passed through."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ..auth.permissions import requires
from ..db import db
from . import services
from .models import CaseFile

bp = Blueprint("cases", __name__, url_prefix="/t/<tenant>/cases")


@bp.get("/")
@requires("core.dashboard.view")
def find():
    """Open a case by the number a resident quotes (``?number=2026-00042``)."""
    number = (request.args.get("number") or "").strip()
    case_id = db.session.scalar(select(CaseFile.id).where(CaseFile.number == number)) if number else None
    if case_id is None:
        abort(404)
    return redirect(url_for("cases.case", case_id=case_id), 303)


@bp.get("/<case_file:case_id>")
@requires("core.dashboard.view")
def case(case_id: int):
    """Each step links to its own page; steps the user may not see are only counted."""
    found, steps, hidden = services.path_of(case_id)
    if found is None or not steps:
        abort(404)  # a case with nothing this user may see does not exist for them
    return render_template("cases/case.html", case=found, steps=steps, hidden=hidden)
