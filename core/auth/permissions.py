"""Permissions, built-in roles and the ``@requires`` check.

A role is a per-tenant set of permission codes; a grant of a role at an org unit covers the
unit's subtree. Plugins add permissions through ``register_permissions``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort, g
from flask_babel import lazy_gettext as _l

from ..tenancy.context import current_or_none


@dataclass(frozen=True)
class Permission:
    code: str
    label: object
    default_roles: tuple[str, ...] = ()
    scope: str = "tenant"  # tenant | district


@dataclass(frozen=True)
class RoleSpec:
    code: str
    label: object
    admin: bool = False


BUILTIN_ROLES = (
    RoleSpec("tenant_admin", _l("单位管理员"), admin=True),
    RoleSpec("street_staff", _l("街道工作人员")),
    RoleSpec("community_staff", _l("社区工作人员")),
    RoleSpec("intake_clerk", _l("受理员")),
    RoleSpec("grid_leader", _l("网格长")),
    RoleSpec("grid_worker", _l("网格员")),
    RoleSpec("volunteer", _l("党员志愿者")),
    RoleSpec("resident", _l("居民")),
)
ROLE_LABELS = {r.code: r.label for r in BUILTIN_ROLES}
ADMIN_ROLES = frozenset(r.code for r in BUILTIN_ROLES if r.admin)

STAFF = ("tenant_admin", "street_staff", "community_staff", "intake_clerk", "grid_leader", "grid_worker")
ALL = (*STAFF, "volunteer", "resident")

CORE_PERMISSIONS = [
    Permission("core.dashboard.view", _l("查看工作台"), ALL),
    Permission("core.org.view", _l("查看组织体系"), STAFF),
    Permission("core.org.edit", _l("编辑组织体系"), ("tenant_admin", "street_staff", "community_staff")),
    Permission("core.org.import", _l("导入导出组织体系"), ("tenant_admin", "street_staff")),
    Permission("core.people.view", _l("查看人员"), STAFF),
    Permission("core.people.edit", _l("编辑人员"), ("tenant_admin", "street_staff", "community_staff", "grid_leader")),
    Permission("core.pii.reveal", _l("查看完整证件号和电话"), ("tenant_admin", "street_staff", "community_staff")),
    Permission("core.people.export", _l("导出和删除个人信息"), ("tenant_admin",)),
    Permission("core.users.manage", _l("管理用户和授权"), ("tenant_admin",)),
    Permission("core.audit.view", _l("查看审计日志"), ("tenant_admin",)),
    Permission("core.apikeys.manage", _l("管理接口密钥"), ("tenant_admin",)),
    Permission("core.rollup.view", _l("查看辖区街道汇总"), ("tenant_admin", "street_staff"), scope="district"),
]


def all_permissions() -> list[Permission]:
    from ..plugins.manager import registry
    return registry().permissions


def default_role_permissions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {r.code: [] for r in BUILTIN_ROLES}
    for perm in all_permissions():
        for role in perm.default_roles:
            out.setdefault(role, []).append(perm.code)
    return out


def requires(code: str):
    """Refuse the view (403) unless the signed-in user holds ``code`` somewhere in this tenant."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            ctx = current_or_none()
            if ctx is None or not ctx.has(code):
                abort(403)
            return view(*args, **kwargs)
        wrapped._permission = code
        return wrapped
    return decorator


def audience(kind: str):
    """Declare who may reach a rule: public, signed_in, tenant or platform; ``api`` is a public rule
    for machines, where a request carrying an API key has no session and no CSRF token
    (``core.auth.apikeys``)."""
    def decorator(view):
        view._audience = kind
        return view
    return decorator


def can(code: str, unit) -> bool:
    ctx = current_or_none()
    return bool(ctx) and ctx.can(code, unit.path)




STEP_UP_MINUTES = 5


def step_up(view):
    """Ask for the password again unless it was typed in the last five minutes (admin grants,
    bulk export, account changes): a borrowed unlocked phone must not hand out power."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        from datetime import timedelta

        from flask import redirect, request, url_for

        from .. import clock
        us = getattr(g, "user_session", None)
        if us is None or clock.utcnow() - clock.aware(us.reauth_at) > timedelta(minutes=STEP_UP_MINUTES):
            back = request.referrer if request.method != "GET" else request.full_path
            target = url_for("auth.confirm", next=_same_site(back))
            if request.headers.get("HX-Request"):
                from flask import make_response
                resp = make_response("", 204)
                resp.headers["HX-Redirect"] = target
                return resp
            return redirect(target, 303)
        return view(*args, **kwargs)
    return wrapped


def _same_site(url: str | None) -> str:
    from urllib.parse import urlsplit
    if not url:
        return "/"
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith("/") and not path.startswith("//") else "/"
