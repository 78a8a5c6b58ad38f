"""Which plugins a tenant has switched on, cached per ``(tenant, plugins_rev)``.

Every request already reads the tenant row, and with it ``plugins_rev``; enabling or disabling
bumps it, so each gunicorn worker sees the change on its very next request without a restart.
"""
from __future__ import annotations

from sqlalchemy import select

from ..db import db
from ..tenancy.models import TenantPlugin

_cache: dict[tuple, frozenset[str]] = {}


def enabled_for(tenant_id: int, plugins_rev: int) -> frozenset[str]:
    key = (db.engine.url.database, tenant_id, plugins_rev)
    found = _cache.get(key)
    if found is None:
        from .manager import registry
        installed = registry().plugins
        rows = db.session.scalars(select(TenantPlugin.plugin).where(TenantPlugin.tenant_id == tenant_id,
                                                                   TenantPlugin.enabled.is_(True)))
        found = frozenset(name for name in rows if name in installed)
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = found
    return found


def clear() -> None:
    _cache.clear()
