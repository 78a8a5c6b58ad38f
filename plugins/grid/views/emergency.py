"""Emergency mode and the 减负 compliance page."""
from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from flask import render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core import api
from core.api import clock, db, form_data, get_or_404, keyset_page, requires, see_other

from .. import emergency as em
from ..machine import Refused
from ..models import EmergencyMode
from ..schemas import EmergencyIn
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
