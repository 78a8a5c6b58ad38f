"""A module a street has not switched on does not exist there; switched on, it appears at once."""
from __future__ import annotations

from http import HTTPStatus

import pytest

from core.plugins import admin
from core.tenancy import tenant_scope
from core.testing import build_app
from core.testing.factories import login, post

from . import sample_plugins


def enable(app, tenant, name):
    with app.app_context(), tenant_scope(tenant.id):
        admin.enable(tenant.id, name)


def disable(app, tenant, name):
    with app.app_context(), tenant_scope(tenant.id):
        admin.disable(tenant.id, name)


@pytest.fixture
def street(create_tenant):
    return create_tenant()


@pytest.fixture
def signed_in(plugin_app, pclient, street, create_user):
    login(pclient, create_user(street, "tenant_admin"))
    return pclient


def test_a_disabled_plugin_has_no_routes_nav_or_widgets(plugin_app, signed_in, street):
    assert signed_in.get(f"/t/{street.slug}/chatty/").status_code == HTTPStatus.NOT_FOUND
    assert signed_in.get(f"/t/{street.slug}/chatty/widget", headers={"HX-Request": "true"}).status_code == 404
    page = signed_in.get(f"/t/{street.slug}/").text
    assert "啾啾导航" not in page and "啾啾卡片" not in page


def test_enabling_shows_it_on_the_next_request_without_rebuilding_the_app(plugin_app, signed_in, street):
    enable(plugin_app, street, "chatty")
    assert signed_in.get(f"/t/{street.slug}/chatty/").text == "chatty page"
    page = signed_in.get(f"/t/{street.slug}/").text
    assert "啾啾导航" in page and "啾啾卡片" in page
    disable(plugin_app, street, "chatty")
    assert signed_in.get(f"/t/{street.slug}/chatty/").status_code == HTTPStatus.NOT_FOUND


def test_a_second_app_on_the_same_database_sees_the_change(database, plugin_app, street, create_user):
    extra = {"chatty": sample_plugins.make_chatty()}
    other = build_app(database, EXTRA_PLUGINS=extra)
    worker = other.test_client()
    login(worker, create_user(street, "tenant_admin"))
    assert worker.get(f"/t/{street.slug}/chatty/").status_code == HTTPStatus.NOT_FOUND
    enable(plugin_app, street, "chatty")
    assert worker.get(f"/t/{street.slug}/chatty/").status_code == HTTPStatus.OK


def test_enabling_for_one_street_leaves_the_next_alone(plugin_app, signed_in, street, create_tenant, create_user):
    other = create_tenant()
    enable(plugin_app, street, "chatty")
    neighbour = plugin_app.test_client()
    login(neighbour, create_user(other, "tenant_admin"))
    assert neighbour.get(f"/t/{other.slug}/chatty/").status_code == HTTPStatus.NOT_FOUND


def test_the_modules_page_switches_a_module_and_the_nav_follows(plugin_app, signed_in, street):
    page = signed_in.get(f"/t/{street.slug}/admin/modules/")
    assert 'data-module="chatty"' in page.text
    resp = post(signed_in, f"/t/{street.slug}/admin/modules/chatty/enable", headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.OK and "已启用" in resp.text and "<html" not in resp.text
    assert "啾啾导航" in signed_in.get(f"/t/{street.slug}/").text


def test_disabling_what_another_module_needs_is_refused_with_the_reason(plugin_app, signed_in, street):
    enable(plugin_app, street, "chatty")
    enable(plugin_app, street, "flaky")
    resp = post(signed_in, f"/t/{street.slug}/admin/modules/chatty/disable", headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.CONFLICT and "flaky" in resp.text
    assert signed_in.get(f"/t/{street.slug}/chatty/").status_code == HTTPStatus.OK


def test_enabling_without_its_dependency_is_refused_unless_asked(plugin_app, signed_in, street):
    resp = post(signed_in, f"/t/{street.slug}/admin/modules/flaky/enable", headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.CONFLICT and "chatty" in resp.text
    resp = post(signed_in, f"/t/{street.slug}/admin/modules/flaky/enable", {"with_dependencies": "1"},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.OK
    assert signed_in.get(f"/t/{street.slug}/chatty/").status_code == HTTPStatus.OK


def test_toggles_are_audited(plugin_app, signed_in, street):
    from sqlalchemy import select

    from core.audit.models import AuditLog
    from core.db import db
    post(signed_in, f"/t/{street.slug}/admin/modules/chatty/enable")
    post(signed_in, f"/t/{street.slug}/admin/modules/chatty/disable")
    with plugin_app.app_context(), tenant_scope(street.id, commit=False):
        actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == "chatty")))
    assert actions == ["plugin.enable", "plugin.disable"]


def test_jobs_run_only_where_the_plugin_is_on(plugin_app, street, create_tenant):
    from core.events.jobs import run_due
    off = create_tenant()
    enable(plugin_app, street, "chatty")
    sample_plugins.JOB_RUNS.clear()
    with plugin_app.app_context():
        run_due(tenants=[street.id, off.id])
        assert street.id in sample_plugins.JOB_RUNS and off.id not in sample_plugins.JOB_RUNS
        before = len(sample_plugins.JOB_RUNS)
        run_due(tenants=[street.id, off.id])  # not due again within the hour: idempotent
        assert len(sample_plugins.JOB_RUNS) == before


def test_a_district_enables_for_all_streets_and_locks_it(plugin_app, create_tenant, create_user):
    district = create_tenant("district")
    streets = [create_tenant("street", parent=district) for _ in range(2)]
    boss = plugin_app.test_client()
    login(boss, create_user(district, "tenant_admin"))
    resp = post(boss, f"/t/{district.slug}/admin/modules/chatty/streets", {"enabled": "1", "lock": "1"})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    local = plugin_app.test_client()
    login(local, create_user(streets[0], "tenant_admin"))
    assert local.get(f"/t/{streets[0].slug}/chatty/").status_code == HTTPStatus.OK
    refused = post(local, f"/t/{streets[0].slug}/admin/modules/chatty/disable", headers={"HX-Request": "true"})
    assert refused.status_code == HTTPStatus.CONFLICT and "区已锁定" in refused.text
