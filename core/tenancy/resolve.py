"""Resolve the tenant from ``/t/<slug>/``, check membership, load grants and set the context."""
from __future__ import annotations

import functools

from flask import abort, current_app, g, request
from sqlalchemy import select

from ..db import db
from .context import Grant, TenantContext, current, set_context
from .models import Tenant

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def load_tenant(slug: str) -> Tenant:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None or tenant.status != "active":
        abort(404)
    if tenant.is_demo and current_app.config["PRODUCTION"]:
        abort(404)  # production never serves demo tenants or their known passwords
    return tenant


def enter_tenant(tenant: Tenant, user) -> TenantContext | None:
    """Set the context for a member; None when the user has no membership here (the view 404s)."""
    from ..auth.models import Membership, Role, RoleGrant
    from ..org.models import OrgUnit
    from ..plugins.manager import hooks_for
    member = db.session.scalar(select(Membership.id).where(Membership.tenant_id == tenant.id,
                                                          Membership.user_id == user.id))
    if member is None:
        return None
    g.ctx_token = set_context(TenantContext(active=tenant.id, visible=(tenant.id,), user_id=user.id))
    rows = db.session.execute(
        select(Role.code, Role.permissions, OrgUnit.id, OrgUnit.path)
        .join(RoleGrant, (RoleGrant.role_id == Role.id) & (RoleGrant.tenant_id == Role.tenant_id))
        .join(OrgUnit, (OrgUnit.id == RoleGrant.org_unit_id) & (OrgUnit.tenant_id == RoleGrant.tenant_id))
        .where(RoleGrant.user_id == user.id)).all()
    grants = tuple(Grant(code, frozenset(perms or ()), uid, path) for code, perms, uid, path in rows)
    if current_app.config["REQUIRE_ADMIN_TOTP"] and not user.totp_enabled:
        from ..auth.permissions import ADMIN_ROLES
        grants = tuple(gr for gr in grants if gr.role not in ADMIN_ROLES)  # inert until TOTP is enrolled
    from ..plugins.state import enabled_for
    enabled = enabled_for(tenant.id, tenant.plugins_rev)
    ctx = TenantContext(active=tenant.id, visible=(tenant.id,), user_id=user.id, enabled=enabled,
                        plugins_rev=tenant.plugins_rev, grants=grants, hooks=hooks_for(enabled), kind=tenant.kind)
    from .context import reset_context
    reset_context(g.ctx_token)
    g.ctx_token = set_context(ctx)
    return ctx


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
        streets = db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name)
                                     .where(Tenant.parent_id == ctx.active, Tenant.status == "active")
                                     .order_by(Tenant.id)).all()
        picked = request.args.getlist("street")
        chosen = [s for s in streets if not picked or s.slug in picked]
        g.rollup_streets = chosen
        wide = TenantContext(active=ctx.active, visible=(ctx.active, *[s.id for s in chosen]), user_id=ctx.user_id,
                             enabled=ctx.enabled, plugins_rev=ctx.plugins_rev, grants=ctx.grants, hooks=ctx.hooks,
                             kind=ctx.kind)
        token = set_context(wide)
        g.rollup_audit = {"endpoint": request.endpoint, "streets": [s.slug for s in chosen], "counts": {}}
        try:
            return view(*args, **kwargs)
        finally:
            from .context import reset_context
            from .rls import sync_rls_settings
            reset_context(token)
            sync_rls_settings()
    wrapped._rollup = True
    return wrapped


def needs_write_for_get(view_func) -> bool:
    return bool(getattr(view_func, "_rollup", False) or getattr(view_func, "_writes_on_get", False))


def writes_on_get(view):
    """Mark a GET that writes (an audit row), so SQLite begins it IMMEDIATE."""
    view._writes_on_get = True
    return view

