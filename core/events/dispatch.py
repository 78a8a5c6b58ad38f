"""Deliver committed events to the subscribers enabled for their tenant, each isolated."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..db import lock_for_update
from ..tenancy.scopes import tenant_scope
from .models import EventOutbox

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
SWEEP_AFTER = timedelta(seconds=30)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=30 * 2 ** min(attempts, 8))


def deliver(tenant_id: int, event_id: int) -> bool:
    """Deliver one event; True when every subscriber took it."""
    from ..plugins.manager import registry
    with tenant_scope(tenant_id) as session:
        row = session.scalars(lock_for_update(select(EventOutbox).where(
            EventOutbox.id == event_id, EventOutbox.dispatched_at.is_(None), EventOutbox.dead.is_(False)))).first()
        if row is None:
            return True
        from ..tenancy.context import current
        ctx = current()
        event_type = registry().event_types.get(row.name)
        if event_type is None:
            row.last_error = f"no plugin registers {row.name}"
            row.attempts += 1
            row.next_attempt_at = clock.utcnow() + backoff(row.attempts)
            row.dead = row.attempts >= MAX_ATTEMPTS
            return False
        event = event_type(**row.payload, id=row.id, tenant_id=row.tenant_id)
        failures = []
        for impl in ctx.hooks.impls("on_event"):
            try:
                with session.begin_nested():  # a failing subscriber's writes are rolled back, no one else's
                    impl.function(*[{"event": event, "ctx": ctx}[a] for a in impl.argnames])
            except Exception as exc:  # noqa: BLE001 - isolation is the point
                log.exception("plugin %s failed on event %s", impl.plugin_name, row.id)
                registry().count_error(impl.plugin_name, "on_event", exc)
                failures.append(f"{impl.plugin_name}: {exc}")
        paused = _paused_subscribers(ctx)
        if paused and not failures:  # kept for when they resume, without counting as an attempt
            row.last_error = "paused: " + ", ".join(sorted(paused))
            row.next_attempt_at = max(paused.values())
            return False
        if failures:
            row.attempts += 1
            row.last_error = "; ".join(failures)[:2000]
            row.next_attempt_at = clock.utcnow() + backoff(row.attempts)
            row.dead = row.attempts >= MAX_ATTEMPTS
            return False
        row.dispatched_at = clock.utcnow()
        return True


def _paused_subscribers(ctx) -> dict:
    """Subscribers switched on here but paused after too many errors, with when they resume."""
    from ..plugins.manager import registry
    from ..plugins.state import degraded_for
    paused = degraded_for(ctx.active, ctx.plugins_rev)
    if not paused:
        return {}
    subscribers = {impl.plugin_name for impl in registry().pm.hook.on_event.get_hookimpls()}
    return {name: d.until for name, d in paused.items() if name in subscribers}


def deliver_many(pairs: list[tuple[int, int]]) -> None:
    for tenant_id, event_id in pairs:
        try:
            deliver(tenant_id, event_id)
        except Exception:  # noqa: BLE001 - the sweeper retries
            log.exception("delivery of event %s failed", event_id)


def sweep(now=None, tenants=None) -> int:
    """Deliver events left undispatched (a crash, a failing subscriber) once they are due;
    ``tenants`` (ids) limits the sweep, as tests do to their own tenants."""
    due = due_events(now, tenants)
    deliver_many(due)
    return len(due)


def due_events(now=None, tenants=None, limit: int = 1000) -> list[tuple[int, int]]:
    """``(tenant id, event id)`` of events left undispatched and due again, oldest first."""
    from ..tenancy.scopes import system_scope
    now = now or clock.utcnow()
    with system_scope("events sweep", read_only=True) as session:
        stmt = select(EventOutbox.tenant_id, EventOutbox.id).where(
            EventOutbox.dispatched_at.is_(None), EventOutbox.dead.is_(False), EventOutbox.next_attempt_at <= now,
            EventOutbox.created_at <= now - SWEEP_AFTER)
        if tenants is not None:
            stmt = stmt.where(EventOutbox.tenant_id.in_(list(tenants)))
        return [tuple(r) for r in session.execute(stmt.order_by(EventOutbox.id).limit(limit)).all()]
