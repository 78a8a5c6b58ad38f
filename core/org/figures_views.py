"""组织建设: the figures page and, behind each figure, who it counts (names and phones masked).

On a district both read its streets (read-only, each look audited); on a street they read the
street alone."""
from __future__ import annotations

from flask import abort, g, render_template
from sqlalchemy import select

from ..auth.permissions import requires
from ..db import db
from ..params import arg, parse_id
from ..tenancy.context import current
from ..tenancy.resolve import reads_streets, writes_on_get
from ..web import example_args
from . import figures as service
from .services import path_filter
from .views import bp


def _audit(endpoint: str, **detail) -> None:
    """A district reading its streets leaves a row saying who looked, like every rollup."""
    if not g.rollup_streets:
        return
    from ..audit import service as audit
    audit.record("district.rollup", "person", None, endpoint=endpoint,
                 streets=[s.slug for s in g.rollup_streets], **detail)
    db.session.commit()


def _street_names() -> dict[int, str]:
    """Tenant names for the rows of a district's lists (its own leaders included)."""
    if not g.rollup_streets:
        return {}
    return {s.id: s.name for s in g.rollup_streets} | {g.tenant.id: g.tenant.name}


@bp.get("/figures")
@requires("core.org.view")
@reads_streets
@writes_on_get
def figures():
    """The figures of the seed article, counted from rows: the district's from its streets."""
    ctx = current()
    n_streets = len(g.rollup_streets) if ctx.kind == "district" else 1
    data = service.compute(n_streets)
    _audit("org.figures")
    from ..tenancy.models import Tenant
    return render_template("org/figures.html", f=data, tenant=db.session.get(Tenant, ctx.active),
                           may_list=ctx.has("core.people.view"))


@bp.get("/figures/<figure>")
@requires("core.people.view")
@reads_streets
@writes_on_get
@example_args(figure="yijiantiao")
def figure_people(figure: str):
    """Who (or which organisations) one figure counts, 50 at a time; names and phones masked."""
    about = service.BEHIND.get(figure[:40])
    if about is None:
        abort(404)
    within = None
    if not g.rollup_streets:  # a street: only the user's part of the tree
        condition = path_filter(current().scope_paths("core.people.view"))
        if condition is not None:
            from .models import OrgUnit
            within = select(OrgUnit.id).where(condition)
    rows, more = service.behind(figure, after=arg("after", parse_id), within=within)
    _audit("org.figure_people", figure=figure, rows=len(rows))
    return render_template("org/figure_people.html", figure=figure, about=about, rows=rows, more=more,
                           streets=_street_names())
