"""Dashboard, notification inbox, language and large-text switches, health checks."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import clock
from ..auth.permissions import audience, requires
from ..auth.sessions import account_row
from ..db import db, get_or_404
from ..tenancy.context import current
from ..tenancy.resolve import reads_streets
from .models import Notification
from .render import flash, render_page_or_fragment, see_other

bp = Blueprint("home", __name__, url_prefix="/t/<tenant>")
site = Blueprint("site", __name__)


@bp.get("/")
@requires("core.dashboard.view")
def dashboard():
    """The tenant's start page: widgets contributed by core and enabled plugins, loaded lazily."""
    return render_template("core/dashboard.html")


@bp.get("/widgets/org-summary")
@requires("core.org.view")
@reads_streets
def widget_org_summary():
    """Counts of the tree's units by kind: a card on the dashboard. A district counts its
    streets' trees (read-only)."""
    from ..org.models import OrgUnit
    from ..shared_redis import cached
    from ..tenancy.context import cache_key

    def count():
        return db.session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all()
    # a district's card sums every street's tree: shared for a short while when Redis is configured
    rows = dict(cached(cache_key("org-summary"), current_app.config["ROLLUP_CACHE_SECONDS"], lambda: [list(r) for r in count()])
                if g.rollup_streets else count())
    return render_template("core/_widget_org_summary.html", counts=rows, streets=len(g.rollup_streets))


@bp.get("/search")
@requires("core.dashboard.view")
def search():
    """One search box: units and people from core, anything else from enabled plugins."""
    from ..org import services as org
    from ..plugins.manager import SearchHit
    ctx = current()
    q = request.args.get("q", "").strip()[:100]
    hits: list = []
    if q:
        if ctx.has("core.org.view"):
            hits += [SearchHit(u.name, url_for("org.unit", unit_id=u.id), "org_unit") for u in org.search_units(q, 20)]
        if ctx.has("core.people.view"):
            hits += [SearchHit(p.name, url_for("people.person", person_id=p.id), "person")
                     for p in org.search_people(q, 20)]
        hits += ctx.hooks.collect("search", ctx=ctx, query=q, limit=20)
    return render_page_or_fragment("core/search.html", "core/_search_hits.html", "search-hits", q=q, hits=hits)


@bp.get("/export/<fmt>")
@requires("core.dashboard.view")
def export(fmt: str):
    """Formats contributed by plugins (``resolve_exporter``); the first that answers wins."""
    ctx = current()
    exporter = ctx.hooks.first("resolve_exporter", fmt=fmt[:20], ctx=ctx)
    if exporter is None:
        abort(404)
    return exporter(ctx)


@bp.get("/inbox")
@requires("core.dashboard.view")
def inbox():
    """The user's notifications in this tenant, newest first; unread ones stand out."""
    ctx = current()
    items = db.session.scalars(select(Notification).where(Notification.user_id == ctx.user_id)
                               .order_by(Notification.id.desc()).limit(100)).all()
    return render_page_or_fragment("core/inbox.html", "core/_inbox_list.html", "inbox-list", items=items)


@bp.post("/inbox/<notification:notification_id>/read")
@requires("core.dashboard.view")
def mark_read(notification_id: int):
    item = get_or_404(Notification, notification_id)
    if item.user_id != current().user_id:
        abort(404)
    item.read_at = item.read_at or clock.utcnow()
    flash(_("已标为已读"))
    db.session.commit()
    return see_other(url_for("home.inbox"))


@bp.post("/inbox/read-all")
@requires("core.dashboard.view")
def mark_all_read():
    ctx = current()
    db.session.execute(update(Notification).where(Notification.user_id == ctx.user_id,
                                                  Notification.read_at.is_(None)).values(read_at=clock.utcnow()))
    flash(_("已全部标为已读"))
    db.session.commit()
    return see_other(url_for("home.inbox"))


@site.post("/lang")
@audience("public")
def set_language():
    """Switch between 简体中文 and English; remembered for the browser and the account."""
    lang = request.form.get("lang")
    if lang not in ("zh", "en"):
        abort(400)
    session["lang"] = lang
    if getattr(g, "user", None) is not None:
        account_row().locale = lang
        db.session.commit()
    return see_other(_back())


@site.post("/large-text")
@audience("signed_in")
def toggle_large_text():
    """Larger type and bigger targets for older staff and residents (适老化)."""
    account_row().large_text = not g.user.large_text
    db.session.commit()
    return see_other(_back())


def _back() -> str:
    target = request.form.get("next") or "/"
    return target if target.startswith("/") and not target.startswith("//") else "/"


@site.get("/")
@audience("public")
def index():
    """Signed in: the first tenant's dashboard (or the tenant list); otherwise the sign-in page."""
    if getattr(g, "user", None) is None:
        return redirect(url_for("auth.login"))
    from ..ui import _memberships
    tenants = _memberships()
    if len(tenants) == 1:
        return redirect(url_for("home.dashboard", tenant=tenants[0].slug))
    return render_template("core/choose_tenant.html", tenants=tenants)


@site.get("/switcher")
@audience("signed_in")
def switcher():
    """The tenant switcher's list, fetched when the user opens it rather than on every page."""
    from ..ui import _memberships
    return render_template("core/_switcher.html", tenants=_memberships(), current=request.args.get("current", ""))


