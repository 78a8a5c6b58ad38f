"""One event: its detail page with timeline, the state-machine actions, summons (吹哨报到), district shares, root cause and photos."""
from __future__ import annotations

from http import HTTPStatus

from flask import abort, make_response, render_template, request, send_file, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from core.api import db, example_args, flash, form_data, get_or_404, requires, see_other

from .. import authority, photos, services, shares, summons
from ..machine import ACTIONS, Refused, Stale
from ..models import GridEvent, Photo, Share, Summons
from ..schemas import ACTION_SCHEMAS, RespondIn, RootCauseIn, ShareIn, SummonIn, WithdrawIn, split_departments
from .common import event_context, event_page, scoped_or_404, scoped_with_category_or_404


@requires("grid.view")
def event(event_id: int):
    """One event: its status, deadlines with their reasons, the actions open to you, the timeline."""
    ev, category, units, timeline = scoped_with_category_or_404(event_id)
    return event_page(ev, category=category, units=units, timeline=timeline)


@requires("grid.view")
@example_args(name="accept")
def act(event_id: int, name: str):
    """Apply one action. htmx gets the status card and timeline back; a stale form gets 409."""
    action = ACTIONS.get(name)
    if action is None:
        abort(404)
    if not authority.may(scoped_or_404(event_id), name):  # the grant must be on the event's own unit
        return _forbidden(event_id, name)
    try:
        data = ACTION_SCHEMAS[name]().load(form_data())
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action=name)
    try:
        ev = services.load_for_update(event_id, data.pop("version"))
        services.perform(ev, name, data)
    except Stale:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.CONFLICT,
                     errors={"_": [_("这个事件刚被其他人处理过，下面是最新状态，请确认后再操作")]})
    except Refused as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]},
                     form=request.form, open_action=name)
    except authority.NotPermitted:
        db.session.rollback()
        return _forbidden(event_id, name)
    flash(_("%(action)s：已完成", action=action.label))
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


def _forbidden(event_id: int, name: str):
    """403: with the reason on the card when it is one to read (a check by the handling unit's own people)."""
    ev = get_or_404(GridEvent, event_id)
    why = authority.why_not(ev, name)
    if not why:
        abort(403)
    return _card(ev, HTTPStatus.FORBIDDEN, errors={"_": [why]}, open_action=name)


def _card(ev: GridEvent, status, **kw):
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        resp = make_response(render_template("grid/_event_card.html", **event_context(ev, **kw)), status)
        if status in (HTTPStatus.CONFLICT, HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.FORBIDDEN):
            resp.headers.update({"HX-Retarget": "#event-card", "HX-Reswap": "outerHTML", "HX-Reselect": "#event-card"})
        return resp
    if status == HTTPStatus.OK:
        return see_other(url_for("grid.event", event_id=ev.id))
    return event_page(ev, status, **kw)


def _card_refused(event_id: int, err: Refused, open_action: str):
    db.session.rollback()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]},
                 form=request.form, open_action=open_action)


def _card_stale(event_id: int):
    db.session.rollback()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.CONFLICT,
                 errors={"_": [_("这个事件刚被其他人处理过，下面是最新状态，请确认后再操作")]})


@requires("grid.event.summon")
def summon(event_id: int):
    """吹哨 (E9): the coordinating community or street calls units and departments to the event."""
    scoped_or_404(event_id)
    try:
        data = SummonIn().load({**form_data(), "unit_ids": [v for v in request.form.getlist("unit_ids") if v],
                                "resident_unit_ids": [v for v in request.form.getlist("resident_unit_ids") if v]})
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="summon")
    try:
        ev = services.load_for_update(event_id, data["version"])
        summons.summon(ev, data["unit_ids"], data["resident_unit_ids"], split_departments(data["departments"]),
                       data["mandatory"], data["reason"])
    except Stale:
        return _card_stale(event_id)
    except Refused as err:
        return _card_refused(event_id, err, "summon")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@requires("grid.view")
def summon_sign(summons_id: int):
    """报到: the summoned unit signs for the task (its sign clock stops)."""
    row = get_or_404(Summons, summons_id)
    scoped_or_404(row.event_id)
    try:
        summons.sign(summons.load_for_update(summons_id))
    except Refused as err:
        return _card_refused(row.event_id, err, f"summon-{summons_id}")
    db.session.commit()
    return _card(get_or_404(GridEvent, row.event_id), HTTPStatus.OK)


@requires("grid.view")
def summon_respond(summons_id: int):
    """The summoned unit's answer; a mandatory summons must have one before the event can close."""
    row = get_or_404(Summons, summons_id)
    event_id = row.event_id
    scoped_or_404(event_id)
    try:
        data = RespondIn().load(form_data())
        summons.respond(summons.load_for_update(summons_id), data["response"])
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action=f"summon-{summons_id}")
    except Refused as err:
        return _card_refused(event_id, err, f"summon-{summons_id}")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@requires("grid.event.share")
def share(event_id: int):
    """L3: share the event with a district department (name and reason, audited); it stays ours."""
    scoped_or_404(event_id)
    try:
        data = ShareIn().load(form_data())
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="share")
    try:
        shares.share(services.load_for_update(event_id, data["version"]), data["department"], data["reason"])
    except Stale:
        return _card_stale(event_id)
    except Refused as err:
        return _card_refused(event_id, err, "share")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@requires("grid.event.share")
def withdraw_share(share_id: int):
    """Withdraw a share (recorded, audited): the district stops seeing the event."""
    row = get_or_404(Share, share_id)
    event_id = row.event_id
    scoped_or_404(event_id)
    try:
        data = WithdrawIn().load(form_data())
        shares.withdraw(share_id, data["reason"])
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="unshare")
    except Refused as err:
        return _card_refused(event_id, err, "unshare")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@requires("grid.event.handle")
def root_cause(event_id: int):
    """The root cause of a hotspot (主动治理), written on the task and on its timeline."""
    ev = scoped_or_404(event_id)
    if ev.source != "PROACTIVE":  # only tasks the hotspot rule created
        abort(404)
    try:
        data = RootCauseIn().load(form_data())
        ev = services.load_for_update(event_id, data["version"])
        services.set_root_cause(ev, data["root_cause"])
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="root_cause")
    except Stale:
        return _card_stale(event_id)
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@requires("grid.event.report")
def add_photo(event_id: int):
    """Attach one photo (before, after, check …); the card comes back with it."""
    ev = scoped_or_404(event_id)
    try:
        photos.save(ev.id, request.files.get("photo"), request.form.get("kind", "report"))
    except Refused as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]})
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@requires("grid.view")
def photo(photo_id: int):
    """A photo, for those who may see its event; re-encoded JPEG, never cached by browsers or proxies."""
    return _send_photo(photo_id, thumb=False)


@requires("grid.view")
def photo_thumb(photo_id: int):
    return _send_photo(photo_id, thumb=True)


def _send_photo(photo_id: int, thumb: bool):

    row = get_or_404(Photo, photo_id)
    scoped_or_404(row.event_id)
    path = photos.path_of(row, thumb)
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", download_name=f"{row.kind}-{row.id}.jpg", max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
