"""Resolve the tenant from ``/t/<slug>/``, check membership, load grants and set the context."""
from __future__ import annotations

import functools

from flask import abort, current_app, g, request
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from ..db import db
from .context import Grant, TenantContext, current, set_context
from .models import Tenant

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def load_tenant(slug: str):
    """The tenant at this address, as a read-only snapshot (``g.tenant``)."""
    from .snapshots import TenantRow
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    _refuse_unservable(tenant)
    return TenantRow.of(tenant)


def _refuse_unservable(tenant: Tenant | None) -> None:
    if tenant is None or tenant.status != "active":
        abort(404)
    if tenant.is_demo and current_app.config["PRODUCTION"]:
        abort(404)  # production never serves demo tenants or their known passwords


@functools.cache
def _member_tenant_query():
    """Built once: every signed-in tenant page runs it, and building SQL costs more than running it."""
    from ..auth.models import Membership
    elsewhere = aliased(Tenant)
    user_id = bindparam("user_id")
    tenants_n = (select(func.count(Membership.id)).join(elsewhere, elsewhere.id == Membership.tenant_id)
                 .where(Membership.user_id == user_id, elsewhere.status == "active").scalar_subquery())
    return (select(Tenant, Membership.id, tenants_n)
            .outerjoin(Membership, (Membership.tenant_id == Tenant.id) & (Membership.user_id == user_id))
            .where(Tenant.slug == bindparam("slug")))


def load_member_tenant(slug: str, user_id: int):
    """The tenant at this address, the user's membership there and how many tenants the user works in.

    One query for what every signed-in page needs before its own work (the count decides whether
    the tenant switcher is offered; its list is fetched only when opened). The tenant comes back as
    a read-only snapshot (``g.tenant``).
    """
    from .snapshots import TenantRow
    row = db.session.execute(_member_tenant_query(), {"slug": slug, "user_id": user_id}).first()
    _refuse_unservable(row[0] if row else None)
    g.tenants_n = row[2]
    return TenantRow.of(row[0]), row[1]


@functools.cache
def _grants_query():
    """The user's grants here, their unread messages and the tenant's data stamp, anchored on the
    membership (built once)."""
    from ..auth.models import Membership, Role, RoleGrant
    from ..org.models import OrgUnit
    from ..ui.models import DataStamp, Notification
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)).scalar_subquery())
    stamp = select(DataStamp.stamp).where(DataStamp.tenant_id == Membership.tenant_id).scalar_subquery()
    return (select(unread, stamp, Role.code, Role.permissions, OrgUnit.id, OrgUnit.path).select_from(Membership)
            .outerjoin(RoleGrant, (RoleGrant.user_id == Membership.user_id) & (RoleGrant.tenant_id == Membership.tenant_id))
            .outerjoin(Role, (Role.id == RoleGrant.role_id) & (Role.tenant_id == RoleGrant.tenant_id))
            .outerjoin(OrgUnit, (OrgUnit.id == RoleGrant.org_unit_id) & (OrgUnit.tenant_id == RoleGrant.tenant_id))
            .where(Membership.id == bindparam("member_id")))


def enter_tenant(tenant: Tenant, user, member_id: int | None) -> TenantContext | None:
    """Set the context for a member; None when the user has no membership here (the view 404s).

    The grants and the unread-message count come back in one query anchored on the membership.
    """
    from ..plugins.manager import hooks_for
    if member_id is None:
        return None
    g.ctx_token = set_context(TenantContext(active=tenant.id, visible=(tenant.id,), user_id=user.id))
    rows = db.session.execute(_grants_query(), {"user_id": user.id, "member_id": member_id}).all()
    g.unread_n = rows[0][0] if rows else 0
    g.data_stamp = rows[0][1] if rows else None  # what cached fragments of this tenant are keyed on
    grants = tuple(Grant(code, frozenset(perms or ()), uid, path) for _n, _s, code, perms, uid, path in rows
                   if code is not None and uid is not None)
    if current_app.config["REQUIRE_ADMIN_TOTP"] and not user.totp_enabled:
        from ..auth.permissions import ADMIN_ROLES
        grants = tuple(gr for gr in grants if gr.role not in ADMIN_ROLES)  # inert until TOTP is enrolled
    from ..plugins.state import running_for
    enabled = running_for(tenant.id, tenant.plugins_rev)  # a paused plugin's hooks are skipped
    ctx = TenantContext(active=tenant.id, visible=(tenant.id,), user_id=user.id, enabled=enabled,
                        plugins_rev=tenant.plugins_rev, grants=grants, hooks=hooks_for(enabled), kind=tenant.kind)
    from .context import reset_context
    reset_context(g.ctx_token)
    g.ctx_token = set_context(ctx)
    return ctx


def district_streets(district_id: int) -> list:
    """The district's active streets (id, slug, name), in the order they were created."""
    return db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name)
                              .where(Tenant.parent_id == district_id, Tenant.status == "active")
                              .order_by(Tenant.id)).all()


def widened(ctx: TenantContext, streets) -> TenantContext:
    """The same context, reading the streets too; writes still go only to ``active``."""
    return TenantContext(active=ctx.active, visible=(ctx.active, *[s.id for s in streets]), user_id=ctx.user_id,
                         enabled=ctx.enabled, plugins_rev=ctx.plugins_rev, grants=ctx.grants, hooks=ctx.hooks,
                         kind=ctx.kind)


def _run_widened(streets, view, args, kwargs):
    from .context import reset_context
    from .rls import sync_rls_settings
    token = set_context(widened(current(), streets))
    try:
        return view(*args, **kwargs)
    finally:
        reset_context(token)
        sync_rls_settings()


def district_rollup(view):
    """Widen ``visible`` to the district's streets for this read-only view, and audit the read.

    Unsafe methods are refused; writes still go only to the active tenant. The audit row is
    written even when nothing came back, so "who looked" always has an answer.
    """
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method in UNSAFE:
            abort(405)
        ctx = current()
        if g.tenant.kind != "district":
            abort(404)
        picked = request.args.getlist("street")
        chosen = [s for s in district_streets(ctx.active) if not picked or s.slug in picked]
        g.rollup_streets = chosen
        g.rollup_audit = {"endpoint": request.endpoint, "streets": [s.slug for s in chosen], "counts": {}}
        return _run_widened(chosen, view, args, kwargs)
    wrapped._rollup = True
    return wrapped


def reads_streets(view):
    """On a district, let this GET page read its streets too (read-only: writes still go only to
    the district, and a POST runs with the district's own rows alone). On a street it changes
    nothing. ``g.rollup_streets`` lists the streets read (empty on a street)."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        ctx = current()
        g.rollup_streets = []
        if request.method in UNSAFE or g.tenant.kind != "district" or not ctx.has("core.rollup.view"):
            return view(*args, **kwargs)
        g.rollup_streets = district_streets(ctx.active)
        return _run_widened(g.rollup_streets, view, args, kwargs)
    return wrapped


def needs_write_for_get(view_func) -> bool:
    return bool(getattr(view_func, "_rollup", False) or getattr(view_func, "_writes_on_get", False))


def writes_on_get(view):
    """Mark a GET that writes (an audit row), so SQLite begins it IMMEDIATE."""
    view._writes_on_get = True
    return view

