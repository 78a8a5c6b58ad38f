"""Emergency mode, the 减负 compliance page and staff's 投诉建议 about 减负 rules being broken."""
from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from flask import abort, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core import api
from core.api import clock, db, form_data, get_or_404, keyset_page, requires, see_other

from .. import burden as complaints
from .. import emergency as em
from ..machine import Refused
from ..models import BURDEN_RULES, BurdenReport, EmergencyMode
from ..schemas import BurdenAnswerIn, BurdenIn, EmergencyIn
from .common import LIST_PAGE, grids, labels


def _emergency_page(status=HTTPStatus.OK, errors=None, form=None):
    page = keyset_page(select(EmergencyMode), (EmergencyMode.id.desc(),), request.args.get("after"), LIST_PAGE)
    return render_template("grid/emergency.html", modes=page.rows, page=page, grids=grids(), now=clock.utcnow(), errors=errors or {},
                           form=form or {}, **labels()), status


@requires("grid.view")
def compliance():
    """减负公示 (docs/grid.md §10, §17.4): the anti-formalism rules in force here, any emergency-mode windows
    (the only time check-ins or tracks exist), and every change of the module's settings, from the
    audit log. Readable by all staff: they are the people the rules protect."""
    values, sources, field_labels = api.settings_explained("grid")
    since = clock.utcnow() - timedelta(days=365)
    page = keyset_page(select(EmergencyMode).where(EmergencyMode.ends_at >= since),
                       (EmergencyMode.starts_at.desc(), EmergencyMode.id.desc()), request.args.get("after"), LIST_PAGE)
    modes = page.rows
    changes = api.audit.history(("plugin.settings", "plugin.enable", "plugin.disable", "plugin.streets"),
                                object_id="grid")
    actors = dict(db.session.execute(select(api.Account.id, api.Account.display_name).where(
        api.Account.id.in_({c.actor_id for c in changes if c.actor_id}))).all()) if changes else {}
    now = clock.utcnow()
    running = {m.id for m in modes if clock.aware(m.starts_at) <= now <= clock.aware(m.ends_at)}
    return render_template("grid/compliance.html", values=values, sources=sources, modes=modes, page=page, changes=changes,
                           actors=actors, running=running, field_labels=field_labels)


@requires("grid.emergency.approve")
def emergency():
    """Named, approved, time-boxed emergency modes; the only time patrol routes are kept."""
    return _emergency_page()


@requires("grid.emergency.approve")
def start_emergency():
    try:
        data = EmergencyIn().load({**form_data(), "grid_ids": request.form.getlist("grid_ids")})
        allowed = {g.id for g in grids()}
        em.start(data["task_name"], data["reason"], [i for i in data["grid_ids"] if i in allowed], data["days"])
    except ValidationError as err:
        db.session.rollback()
        return _emergency_page(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form)
    except Refused as err:
        db.session.rollback()
        return _emergency_page(HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form)
    db.session.commit()
    return see_other(url_for("grid.emergency"))


@requires("grid.emergency.approve")
def end_emergency(mode_id: int):
    em.end(get_or_404(EmergencyMode, mode_id))
    db.session.commit()
    return see_other(url_for("grid.emergency"))


def _burden_page(status=HTTPStatus.OK, errors=None, form=None, answering=None):
    everyone = complaints.reviewer()
    rows = complaints.listing(everyone)
    places = {g.id: f"{g.community_name} · {g.name}" for g in grids(scoped_to_user=False)}
    places.update(dict(db.session.execute(select(api.OrgUnit.id, api.OrgUnit.name)
                                          .where(api.OrgUnit.kind == "community")).all()))
    writers = dict(db.session.execute(select(api.Account.id, api.Account.display_name).where(
        api.Account.id.in_({r.created_by for r in rows if r.created_by and not r.anonymous}))).all()) \
        if everyone and rows else {}
    return render_template("grid/burden.html", rows=rows, reviewer=everyone, rules=BURDEN_RULES, places=places,
                           writers=writers, errors=errors or {}, form=form or {}, answering=answering), status


@requires("grid.view")
def burden():
    """投诉建议: report a 减负 rule being broken; the street's discipline contact reads and answers."""
    return _burden_page()


@requires("grid.view")
def add_burden():
    try:
        complaints.file(BurdenIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _burden_page(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form)
    except Refused as err:
        db.session.rollback()
        return _burden_page(HTTPStatus.UNPROCESSABLE_ENTITY, {"org_unit_id": [str(err)]}, request.form)
    db.session.commit()
    return see_other(url_for("grid.burden", sent=1))


@requires("grid.burden.review")
def answer_burden(report_id: int):
    if not complaints.reviewer():
        abort(403)
    row = get_or_404(BurdenReport, report_id)
    try:
        complaints.answer(row, BurdenAnswerIn().load(form_data())["answer"])
    except ValidationError as err:
        db.session.rollback()
        return _burden_page(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form, answering=report_id)
    db.session.commit()
    return see_other(url_for("grid.burden"))
