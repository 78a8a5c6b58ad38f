"""Render a page or the fragment htmx asked for; answer 422 with the form and its errors."""
from __future__ import annotations

import json
from http import HTTPStatus

from flask import flash as _flask_flash, make_response, render_template, request, session

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


def flash(message) -> None:
    """Tell the user an action succeeded ("已保存"): a toast on whatever they see next.

    One mechanism for every answer: a page (the redirect's target, or a page rendered at once)
    shows it in ``#flash``; an htmx answer that swaps only a fragment carries it in ``HX-Trigger``
    (:func:`toast_header`) and ``app.js`` shows it there. Call it before the commit's redirect.
    """
    _flask_flash(str(message), "success")


#: the htmx event that carries success messages to ``app.js``
TOAST_EVENT = "jiceng:toast"


def toast_header(resp) -> None:
    """Move messages no page has shown yet onto an htmx answer's ``HX-Trigger``.

    Left alone: redirects (the next page shows them), answers that navigate (``HX-Redirect``) and
    pages that already drew them (``get_flashed_messages`` took them out of the session).
    """
    if not request.headers.get("HX-Request") or not 200 <= resp.status_code < 300:
        return
    if any(h in resp.headers for h in ("HX-Redirect", "HX-Location", "HX-Refresh")):
        return
    if "_flashes" not in session:
        return
    messages = [m for _category, m in session.pop("_flashes")]
    # after the swap has settled, so a swap that replaces #flash does not wipe the toast; an answer
    # that swaps nothing (204) never settles, so it triggers at once
    header = "HX-Trigger" if resp.status_code == HTTPStatus.NO_CONTENT else "HX-Trigger-After-Settle"
    triggers = {}
    if resp.headers.get(header):
        raw = resp.headers[header]
        try:
            triggers = json.loads(raw)
        except ValueError:
            triggers = {name.strip(): None for name in raw.split(",") if name.strip()}
    triggers[TOAST_EVENT] = {"messages": messages}
    resp.headers[header] = json.dumps(triggers)  # ASCII: a header cannot carry Chinese as is


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
