"""What every page of the plugin shares: scope of the user's units, selects, and action answers."""
from __future__ import annotations

from http import HTTPStatus

from flask import flash, make_response, render_template, request
from sqlalchemy import select

from core.api import OrgUnit, Refused, Stale, db, see_other, units_within


def scope(permission: str = "volunteer.view"):
    """Unit ids the user may see for ``permission`` (None: the whole tenant)."""
    return units_within(permission)


def in_scope(stmt, column, permission: str = "volunteer.view"):
    within = scope(permission)
    return stmt if within is None else stmt.where(column.in_(within))


def communities(permission: str = "volunteer.view") -> list[tuple[int, str]]:
    stmt = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "community").order_by(OrgUnit.path)
    return [(i, n) for i, n in db.session.execute(in_scope(stmt, OrgUnit.id, permission))]


def act(service, *, fragment: str | None = None, context=None, done=None, message: str | None = None):
    """Run an action button's service: commit, then the updated fragment (htmx) or 303 to ``done``.
    A refusal answers 422 with the reason (in the fragment when there is one), nothing written;
    a parallel decision that came first answers 409 with the current row."""
    try:
        result = service()
    except Refused as err:
        db.session.rollback()
        if fragment and request.headers.get("HX-Request"):
            values = {**(context(None) if context else {}), "error": str(err)}
            resp = make_response(render_template(fragment, **values), HTTPStatus.UNPROCESSABLE_ENTITY)
            resp.headers.update({"HX-Reswap": "outerHTML"})
            return resp
        return make_response(render_template("volunteer/refused.html", error=str(err)), HTTPStatus.UNPROCESSABLE_ENTITY)
    except Stale as err:
        db.session.rollback()
        return make_response(render_template(err.template, **err.context), HTTPStatus.CONFLICT)
    db.session.commit()
    if fragment and request.headers.get("HX-Request"):
        return render_template(fragment, **{**(context(result) if context else {}), "error": None,
                                            "message": message})
    if message:
        flash(message)
    target = done(result) if callable(done) else done
    return see_other(target or request.referrer or "/")
