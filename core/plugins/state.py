"""Which plugins a tenant has switched on, and which of those are paused, cached per ``(tenant, plugins_rev)``.

Every request already reads the tenant row, and with it ``plugins_rev``; enabling, disabling or
pausing bumps it, so each gunicorn worker sees the change on its very next request without a
restart. A pause ends by the clock, so "running" is worked out from the cached pause times on
every call rather than cached itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import clock
from ..db import db
from ..tenancy.models import TenantPlugin

_cache: dict[tuple, tuple[frozenset[str], dict]] = {}


@dataclass(frozen=True)
class Degraded:
    """A plugin paused in a tenant: until when, and why (errors, minutes, hook, error class)."""
    until: datetime
    reason: dict


def _load(tenant_id: int, plugins_rev: int) -> tuple[frozenset[str], dict[str, Degraded]]:
    key = (db.engine.url.database, tenant_id, plugins_rev)
    found = _cache.get(key)
    if found is None:
        from .manager import registry
        installed = registry().plugins
        rows = db.session.execute(select(TenantPlugin.plugin, TenantPlugin.degraded_until, TenantPlugin.degraded_reason)
                                  .where(TenantPlugin.tenant_id == tenant_id, TenantPlugin.enabled.is_(True))).all()
        on = frozenset(name for name, _u, _r in rows if name in installed)
        paused = {name: Degraded(clock.aware(until), reason or {}) for name, until, reason in rows
                  if name in on and until is not None}
        found = (on, paused)
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = found
    return found


def enabled_for(tenant_id: int, plugins_rev: int) -> frozenset[str]:
    """Switched on by the tenant, paused or not (the modules page, routes that 404 when off)."""
    return _load(tenant_id, plugins_rev)[0]


def degraded_for(tenant_id: int, plugins_rev: int) -> dict[str, Degraded]:
    """Switched on but paused right now, after too many errors."""
    now = clock.utcnow()
    return {name: d for name, d in _load(tenant_id, plugins_rev)[1].items() if d.until > now}


def running_for(tenant_id: int, plugins_rev: int) -> frozenset[str]:
    """Switched on and not paused: the plugins whose hooks run in this tenant's context."""
    on, paused = _load(tenant_id, plugins_rev)
    if not paused:
        return on
    now = clock.utcnow()
    return on - {name for name, d in paused.items() if d.until > now}


def clear() -> None:
    _cache.clear()
