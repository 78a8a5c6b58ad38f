"""Deliver an event to the subscribers of a tenant, as the outbox would, in a test."""
from __future__ import annotations

import pytest


@pytest.fixture
def deliver_event(app):
    """``deliver_event(tenant, event)``: emit ``event`` in ``tenant`` (committed, through the real
    outbox), deliver it to every enabled subscriber, and return whether all of them took it.

    Use it to test an ``on_event`` handler without driving the page that emits the event.
    """
    def _deliver(tenant, event, target_app=None) -> bool:
        from ..events import emit
        from ..events.dispatch import deliver
        from ..tenancy import tenant_scope
        use = target_app or app
        with use.app_context():
            with tenant_scope(tenant.id):
                emit(event)
                event_id = event.id
            return deliver(tenant.id, event_id)
    return _deliver
