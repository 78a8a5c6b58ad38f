"""Render a page or the fragment htmx asked for; answer 422 with the form and its errors."""
from __future__ import annotations

from http import HTTPStatus

from flask import make_response, render_template, request

FORM_KEYS_DROPPED = {"csrf_token", "idempotency_key"}


def form_data() -> dict:
    """The submitted form without transport fields; marshmallow rejects anything else unknown."""
    return {k: v for k, v in request.form.items() if k not in FORM_KEYS_DROPPED}


def is_fragment_request(target: str) -> bool:
    """htmx asked for ``#target`` alone: the view may skip what only the whole page shows."""
    return request.headers.get("HX-Target") == target


def render_page_or_fragment(page: str, fragment: str, target: str, **context):
    """Render only ``fragment`` when htmx targets ``#target``; otherwise the page that includes it."""
    wanted = fragment if is_fragment_request(target) else page
    resp = make_response(render_template(wanted, **context))
    resp.vary.update(("HX-Request", "HX-Target"))
    return resp


def invalid_form(page: str, fragment: str, form_id: str, **context):
    """Answer 422: the whole page for a plain POST, only the form for htmx."""
    if not request.headers.get("HX-Request") or request.headers.get("HX-Boosted"):
        resp = make_response(render_template(page, **context), HTTPStatus.UNPROCESSABLE_ENTITY)
    else:
        resp = make_response(render_template(fragment, **context), HTTPStatus.UNPROCESSABLE_ENTITY)
        resp.headers.update({"HX-Retarget": f"#{form_id}", "HX-Reswap": "outerHTML", "HX-Reselect": f"#{form_id}"})
    resp.vary.update(("HX-Request", "HX-Target"))
    return resp


def see_other(location: str):
    from flask import redirect
    return redirect(location, HTTPStatus.SEE_OTHER)


class Refused(ValueError):
    """A rule of the domain says no: the message is for the person at the form (422)."""


class Stale(Exception):
    """Someone else changed the record first: show them the current one instead (409)."""

    def __init__(self, template: str, **context):
        super().__init__(template)
        self.template, self.context = template, context


def form_action(schema, service, *, page: str, fragment: str, form_id: str, context, done, message: str | None = None):
    """The whole life of a form post, the same in every module:

    validate with ``schema`` → ``service(data)`` (flushes only) → commit → 303 to ``done(result)``;
    invalid input or :class:`Refused` → 422 with the form and the message, nothing written;
    :class:`Stale` → 409 with the current card. ``context(errors=…, form=…)`` gives the template
    context; ``message`` is shown on the page the user lands on.
    """
    from flask import flash
    from marshmallow import ValidationError

    from ..db import db
    try:
        data = schema.load(form_data())
        result = service(data)
    except ValidationError as err:
        db.session.rollback()
        return invalid_form(page, fragment, form_id, **context(errors=err.messages, form=request.form))
    except Refused as err:
        db.session.rollback()
        return invalid_form(page, fragment, form_id, **context(errors={"_": [str(err)]}, form=request.form))
    except Stale as err:
        db.session.rollback()
        resp = make_response(render_template(err.template, **err.context), HTTPStatus.CONFLICT)
        resp.vary.update(("HX-Request", "HX-Target"))
        return resp
    db.session.commit()
    if message:
        flash(str(message))
    return see_other(done(result))
