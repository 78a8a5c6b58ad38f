"""季度结转: a preview of what archiving the quarter moves (long-undecided matters flagged), then one confirmation."""
from __future__ import annotations

from flask import abort, render_template, request, url_for

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404

from ..models import Cycle, Station
from ..schemas import KINDS, ReasonIn
from ..services import cycles, lists as list_svc, matters as matter_svc


def _context(cycle: Cycle, **kw) -> dict:
    return {**cycles.rollover_preview(cycle), "states": matter_svc.STATES, "kinds": KINDS, "errors": {}, "form": {},
            **kw}


def rollover(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    station = db.session.get(Station, cycle.station_id)
    if not api.can("discussion.cycle.rollover", api.org_unit(station.org_unit_id)):
        abort(403)
    if request.method == "GET":
        if cycle.phase != "publicizing":
            return render_template("discussion/rollover.html", **_context(
                cycle, errors={"_": [_("只有公示阶段的季度可以结转归档")]})), 422
        return render_template("discussion/rollover.html", **_context(cycle))

    def run(data):
        list_svc.require("discussion.cycle.rollover", station)
        return cycles.archive(cycle, data)
    return form_action(ReasonIn(partial=True), run, page="discussion/rollover.html",
                       fragment="discussion/rollover.html", form_id="rollover-form",
                       context=lambda **kw: _context(cycle, **kw),
                       done=lambda _log: url_for("discussion.station", station_id=station.id),
                       message=_("已结转并归档"))
