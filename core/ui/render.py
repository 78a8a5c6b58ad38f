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
