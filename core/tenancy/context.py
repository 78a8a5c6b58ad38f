"""The tenant context: which tenant a request or job writes to and which it may read."""
from __future__ import annotations

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass, field


class NoTenantContext(RuntimeError):
    """A tenant table was touched with no tenant context: fail closed."""


class TenantViolation(RuntimeError):
    """A write aimed outside the active tenant."""


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    permissions: frozenset[str]
    unit_id: int
    unit_path: str


@dataclass(frozen=True, slots=True)
class TenantContext:
    active: int
    visible: tuple[int, ...]
    user_id: int | None = None
    enabled: frozenset[str] = frozenset()
    plugins_rev: int = 0
    grants: tuple[Grant, ...] = ()
    hooks: object = field(default=None, compare=False)
    kind: str = "street"

    def has(self, code: str) -> bool:
        """Whether any grant, wherever in the tree, carries this permission."""
        return any(code in g.permissions for g in self.grants)

    def can(self, code: str, unit_path: str) -> bool:
        """Whether a grant on this unit or one of its ancestors carries the permission."""
        return any(code in g.permissions and unit_path.startswith(g.unit_path) for g in self.grants)

    def scope_paths(self, code: str) -> tuple[str, ...]:
        """Tree paths under which the permission applies (to filter lists by subtree)."""
        return tuple(g.unit_path for g in self.grants if code in g.permissions)


_current: ContextVar[TenantContext | None] = ContextVar("jiceng_tenant", default=None)
_system: ContextVar[str | None] = ContextVar("jiceng_system_scope", default=None)
#: the signed-in user outside any tenant (account pages, the tenant switcher): RLS lets them read
#: their own memberships.
_user: ContextVar[int | None] = ContextVar("jiceng_user", default=None)
#: a kept sign-in's question that a read-only request has not had answered yet
#: (``core.tenancy.admission.Question``): it goes out with the request's first statement
_question: ContextVar = ContextVar("jiceng_admission_question", default=None)


def set_user(user_id: int | None) -> None:
    _user.set(user_id)
    from .rls import sync_rls_settings
    sync_rls_settings()


def current() -> TenantContext:
    ctx = _current.get()
    if ctx is None:
        raise NoTenantContext("no tenant context")
    return ctx


def current_or_none() -> TenantContext | None:
    return _current.get()


def set_context(ctx: TenantContext | None):
    """Set the context and, on PostgreSQL, re-apply the RLS settings of an open transaction."""
    token = _current.set(ctx)
    from .rls import sync_rls_settings
    sync_rls_settings()
    return token


def reset_context(token) -> None:
    _current.reset(token)


def in_system_scope() -> str | None:
    return _system.get()


def cache_key(*parts) -> str:
    """Cache keys always carry the tenant (``t<active>:v<hash(visible)>:``)."""
    ctx = current()
    vis = hashlib.sha1(",".join(map(str, ctx.visible)).encode()).hexdigest()[:8]
    return f"t{ctx.active}:v{vis}:" + ":".join(map(str, parts))

