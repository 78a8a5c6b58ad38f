"""Events go through the outbox: none for rolled-back work, retried after a failing subscriber."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.db import db
from core.events.dispatch import sweep
from core.events.models import EventOutbox
from core.tenancy import tenant_scope
from core.testing.factories import login, post

from . import sample_plugins
from .test_plugin_gating import enable


def outbox(app, tenant):
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        return [(r.name, r.attempts, r.dispatched_at is not None) for r in db.session.scalars(select(EventOutbox))]


def test_an_event_is_delivered_after_commit_to_enabled_subscribers(plugin_app, pclient, create_tenant, create_user):
    street = create_tenant()
    enable(plugin_app, street, "chatty")
    login(pclient, create_user(street, "tenant_admin"))
    sample_plugins.SEEN["chatty"].clear()
    resp = post(pclient, f"/t/{street.slug}/chatty/chirp")
    resp.close()  # delivery runs once the response is sent
    assert [(n, t) for n, _i, t in sample_plugins.SEEN["chatty"]] == [("chatty.chirped", street.id)]
    assert outbox(plugin_app, street) == [("chatty.chirped", 0, True)]


def test_a_rolled_back_transaction_emits_nothing(plugin_app, pclient, create_tenant, create_user):
    street = create_tenant()
    enable(plugin_app, street, "chatty")
    login(pclient, create_user(street, "tenant_admin"))
    sample_plugins.SEEN["chatty"].clear()
    post(pclient, f"/t/{street.slug}/chatty/chirp", {"fail": "1"}).close()
    assert sample_plugins.SEEN["chatty"] == [] and outbox(plugin_app, street) == []


def test_a_failing_subscriber_is_retried_by_the_sweeper(plugin_app, pclient, create_tenant, create_user):
    street = create_tenant()
    enable(plugin_app, street, "chatty")
    enable(plugin_app, street, "flaky")
    login(pclient, create_user(street, "tenant_admin"))
    sample_plugins.FLAKY["fail_times"] = 1
    sample_plugins.SEEN["flaky"].clear()
    post(pclient, f"/t/{street.slug}/chatty/chirp").close()
    assert sample_plugins.SEEN["flaky"] == [] and outbox(plugin_app, street) == [("chatty.chirped", 1, False)]
    with plugin_app.app_context():
        assert sweep(tenants=[street.id]) == 0  # not due yet: backoff
        assert sweep(now=clock.utcnow() + timedelta(minutes=5), tenants=[street.id]) >= 1
    assert [t for _n, _i, t in sample_plugins.SEEN["flaky"]] == [street.id]
    assert outbox(plugin_app, street) == [("chatty.chirped", 1, True)]


def test_a_subscriber_in_a_disabled_plugin_is_not_called(plugin_app, pclient, create_tenant, create_user):
    street = create_tenant()
    enable(plugin_app, street, "chatty")
    login(pclient, create_user(street, "tenant_admin"))
    sample_plugins.SEEN["flaky"].clear()
    post(pclient, f"/t/{street.slug}/chatty/chirp").close()
    assert sample_plugins.SEEN["flaky"] == []


def test_a_broken_subscriber_does_not_stop_the_others(plugin_app, pclient, create_tenant, create_user):
    street = create_tenant()
    enable(plugin_app, street, "chatty")
    enable(plugin_app, street, "broken")
    login(pclient, create_user(street, "tenant_admin"))
    sample_plugins.SEEN["chatty"].clear()
    post(pclient, f"/t/{street.slug}/chatty/chirp").close()
    assert len(sample_plugins.SEEN["chatty"]) == 1
    assert outbox(plugin_app, street)[0][1] == 1, "the event stays due for the broken subscriber"
