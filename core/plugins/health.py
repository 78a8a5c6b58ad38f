"""Hook errors kept where every worker sees them, and a pause for a plugin that keeps failing.

A failing hook is noted in memory while its request or job runs and written when that unit of
work has ended (``flush``), in a transaction of its own: the request's rollback must not take the
record with it, and on SQLite a second writer inside the request would wait on the first. When a
plugin passes the threshold in a tenant (``PLUGIN_DEGRADE_ERRORS`` in ``PLUGIN_DEGRADE_WINDOW_MINUTES``)
it is paused there for ``PLUGIN_DEGRADE_MINUTES``: its hooks are skipped and its pages answer 503.
The pause lives on the tenant's ``tenant_plugin`` row and bumps ``plugins_rev``, so every worker
sees it on its next request; it ends by itself when the time is up.
"""
from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..db import db, write_transaction
from ..tenancy.context import TenantContext, _current, current_or_none
from ..tenancy.models import Tenant, TenantPlugin
from .models import PluginError

log = logging.getLogger(__name__)
_lock = threading.Lock()
#: errors waiting for their unit of work to end; more than this and the oldest are dropped
MAX_PENDING = 1000
#: values and personal data never reach the table: quoted values, emails, digit runs and Chinese
#: text (names, addresses) are replaced before a message is kept
_SCRUB = (re.compile(r"'[^']*'|\"[^\"]*\""), re.compile(r"\S+@\S+"), re.compile(r"\d{3,}"),
          re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+"))


@dataclass(frozen=True)
class Noted:
    tenant_id: int
    plugin: str
    hook: str
    error: str
    message: str
    at: datetime


def describe(exc: BaseException | None) -> tuple[str, str]:
    """The exception's class and first line, scrubbed and short; never a traceback."""
    if exc is None:
        return "Error", ""
    text = (str(exc).strip().splitlines() or [""])[0]
    for pattern in _SCRUB:
        text = pattern.sub("…", text)
    return type(exc).__name__[:100], text[:160]


def note(registry, plugin: str, hook: str, exc: BaseException | None) -> None:
    """Remember an installed plugin's error in the current tenant; core's are only logged."""
    ctx = current_or_none()
    if ctx is None or plugin not in registry.plugins:
        return
    error, message = describe(exc)
    from ..ops.metrics import HOOK_ERRORS
    HOOK_ERRORS.labels(plugin, hook).inc()
    with _lock:
        registry.pending.append(Noted(ctx.active, plugin, hook, error, message, clock.utcnow()))
        del registry.pending[:-MAX_PENDING]


def flush() -> None:
    """Write the noted errors, each tenant in its own transaction, and pause who passed the threshold.

    Called when a request or a tenant scope has ended; a failure here is logged, never raised.
    """
    from .manager import registry
    reg = registry()
    if not reg.pending:
        return
    with _lock:
        pending, reg.pending[:] = list(reg.pending), []
    by_tenant: dict[int, list[Noted]] = defaultdict(list)
    for item in pending:
        by_tenant[item.tenant_id].append(item)
    for tenant_id, items in by_tenant.items():
        try:
            _store(tenant_id, items)
        except Exception:  # noqa: BLE001 - recording an error must never become one
            log.exception("could not record %d plugin errors for tenant %s", len(items), tenant_id)


def _settings() -> tuple[int, timedelta, timedelta]:
    cfg = current_app.config
    return (cfg["PLUGIN_DEGRADE_ERRORS"], timedelta(minutes=cfg["PLUGIN_DEGRADE_WINDOW_MINUTES"]),
            timedelta(minutes=cfg["PLUGIN_DEGRADE_MINUTES"]))


def _store(tenant_id: int, items: list[Noted]) -> None:
    threshold, window, pause = _settings()
    ctx_token = _current.set(TenantContext(active=tenant_id, visible=(tenant_id,)))  # RLS: this tenant's rows
    write_token = write_transaction.set(True)
    try:
        with Session(db.engine) as session, session.begin():
            session.add_all(PluginError(tenant_id=tenant_id, plugin=i.plugin, hook=i.hook, error=i.error,
                                        message=i.message, occurred_at=i.at) for i in items)
            session.flush()
            now = clock.utcnow()
            for plugin in dict.fromkeys(i.plugin for i in items):
                last = [i for i in items if i.plugin == plugin][-1]
                _maybe_pause(session, tenant_id, plugin, last, now, threshold, window, pause)
    finally:
        write_transaction.reset(write_token)
        _current.reset(ctx_token)


def _maybe_pause(session, tenant_id: int, plugin: str, last: Noted, now: datetime, threshold: int,
                 window: timedelta, pause: timedelta) -> None:
    row = session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id,
                                                     TenantPlugin.plugin == plugin)).first()
    if row is None or not row.enabled:
        return
    until = clock.aware(row.degraded_until)
    if until is not None and until > now:
        return
    since = max(now - window, until) if until else now - window  # a pause that ended starts a new count
    errors = session.scalar(select(func.count()).select_from(PluginError).where(
        PluginError.tenant_id == tenant_id, PluginError.plugin == plugin, PluginError.occurred_at > since))
    if errors < threshold:
        return
    row.degraded_until = now + pause
    row.degraded_reason = {"errors": errors, "minutes": int(window.total_seconds() // 60), "hook": last.hook,
                           "error": last.error, "message": last.message}
    session.execute(update(Tenant).where(Tenant.id == tenant_id).values(plugins_rev=Tenant.plugins_rev + 1))
    log.warning("plugin %s paused for tenant %s until %s: %d errors", plugin, tenant_id, row.degraded_until, errors)


def purge_old(ctx) -> int:
    """The daily job: drop this tenant's errors older than ``PLUGIN_ERRORS_KEEP_DAYS``."""
    cutoff = clock.utcnow() - timedelta(days=current_app.config["PLUGIN_ERRORS_KEEP_DAYS"])
    return db.session.execute(delete(PluginError).where(PluginError.tenant_id == ctx.active,
                                                        PluginError.occurred_at < cutoff)).rowcount


@dataclass
class ErrorLine:
    """Errors of one plugin in one tenant and hook, for the operators' page."""
    tenant: Tenant | None
    hook: str
    last_hour: int
    last_day: int
    last: PluginError


@dataclass
class Pause:
    tenant: Tenant | None
    until: datetime
    reason: dict


def overview() -> dict[str, dict[str, list]]:
    """Plugin → its error lines of the last day (busiest first) and the tenants where it is paused."""
    now = clock.utcnow()
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    recent = func.sum(case((PluginError.occurred_at >= hour, 1), else_=0))
    rows = db.session.execute(select(PluginError.plugin, PluginError.tenant_id, PluginError.hook, recent, func.count(),
                                     func.max(PluginError.id))
                              .where(PluginError.occurred_at >= day)
                              .group_by(PluginError.plugin, PluginError.tenant_id, PluginError.hook)).all()
    last = {e.id: e for e in db.session.scalars(select(PluginError).where(PluginError.id.in_([r[5] for r in rows])))}
    pauses = db.session.execute(select(TenantPlugin.plugin, TenantPlugin.tenant_id, TenantPlugin.degraded_until,
                                       TenantPlugin.degraded_reason)
                                .where(TenantPlugin.enabled.is_(True), TenantPlugin.degraded_until > now)).all()
    ids = {r[1] for r in rows} | {p[1] for p in pauses}
    tenants = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))} if ids else {}
    out: dict[str, dict[str, list]] = defaultdict(lambda: {"errors": [], "paused": []})
    for plugin, tenant_id, hook, in_hour, in_day, last_id in rows:
        out[plugin]["errors"].append(ErrorLine(tenants.get(tenant_id), hook, int(in_hour or 0), in_day, last[last_id]))
    for plugin, tenant_id, until, reason in pauses:
        out[plugin]["paused"].append(Pause(tenants.get(tenant_id), clock.aware(until), reason or {}))
    for part in out.values():
        part["errors"].sort(key=lambda e: (-e.last_day, -e.last_hour, e.hook))
    return dict(out)
