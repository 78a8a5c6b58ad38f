"""What core.api gives a plugin author works as documented, in requests and in jobs alike."""
from __future__ import annotations

import threading
from http import HTTPStatus

import pytest
from sqlalchemy import select

from core import api
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import login

from . import sample_plugins
from .test_plugin_gating import enable


@pytest.fixture
def street(create_tenant, create_unit):
    street = create_tenant()
    community = create_unit(street, street.root_id, "community", "幸福社区")
    grid_a = create_unit(street, community.id, "grid", "第一网格", grid_type="residential")
    grid_b = create_unit(street, community.id, "grid", "第二网格", grid_type="residential")
    return street, community, grid_a, grid_b


def test_users_holding_a_permission_on_a_unit_include_grants_above_it_not_beside_it(app, create_user, street):
    street, community, grid_a, grid_b = street
    leader_a = create_user(street, "grid_leader", unit_id=grid_a.id)
    leader_b = create_user(street, "grid_leader", unit_id=grid_b.id)
    staff = create_user(street, "community_staff", unit_id=community.id)
    with app.app_context(), tenant_scope(street.id):
        unit = api.org_unit(grid_a.id)
        holders = api.users_holding("core.people.edit", unit)
    assert leader_a.id in holders and staff.id in holders
    assert leader_b.id not in holders, "a grant on a sibling grid does not reach this one"


def test_notify_links_by_endpoint_inside_a_job(app, create_user, street):
    """No request, no flask.g: the link is still this tenant's URL."""
    street, *_ = street
    user = create_user(street, "street_staff")
    with app.app_context(), tenant_scope(street.id):
        assert api.notify([user.id, user.id], "新的待办", "home.inbox", body="请查看") == 1
    client = app.test_client()
    login(client, user)
    inbox = client.get(f"/t/{street.slug}/inbox").text
    assert "新的待办" in inbox and f'href="/t/{street.slug}/inbox"' in inbox


def test_an_audited_write_into_another_tenants_log_lands_there(app, create_tenant, create_user):
    from core.audit.models import AuditLog
    district = create_tenant("district")
    street = create_tenant("street", parent=district)
    reader = create_user(district, "tenant_admin")
    with app.app_context(), tenant_scope(district.id, user_id=reader.id):
        api.audit.record_in(street.id, "test.read_shared", "thing", 7)
    with app.app_context(), tenant_scope(street.id):
        row = db.session.scalars(select(AuditLog).where(AuditLog.action == "test.read_shared")).one()
    assert row.tenant_id == street.id and row.actor_id == reader.id and row.object_id == "7"
    assert api.audit.verify_chain  # the street's chain stays verifiable
    with app.app_context(), tenant_scope(street.id):
        assert api.audit.verify_chain(street.id) == (True, None)


def test_rate_limits_are_atomic_under_parallel_use(app, create_tenant):
    """Twelve at once against a limit of five: exactly five yeses, no errors."""
    street = create_tenant()
    answers, errors = [], []
    barrier = threading.Barrier(12, timeout=30)

    def one():
        try:
            barrier.wait()
            with app.app_context(), tenant_scope(street.id):
                answers.append(api.rate_limit("report:10.0.0.1", 5, 60))
        except Exception as exc:  # noqa: BLE001 - the test counts them
            errors.append(exc)
    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(answers) == [False] * 7 + [True] * 5


def test_rate_limits_are_per_tenant(app, create_tenant):
    a, b = create_tenant(), create_tenant()
    with app.app_context(), tenant_scope(a.id):
        assert [api.rate_limit("k", 1, 60) for _ in range(2)] == [True, False]
    with app.app_context(), tenant_scope(b.id):
        assert api.rate_limit("k", 1, 60), "A's counter never slows B"


def test_a_case_keeps_one_number_across_modules_and_shows_each_step_to_who_may_see_it(
        app, create_user, street):
    street, community, grid_a, grid_b = street
    with app.app_context(), tenant_scope(street.id):
        number = api.attach_case(None, "7栋漏水", kind="office_hours.matter", object_id=11, label="接待登记：7栋漏水",
                                 endpoint="org.tree", unit_id=community.id, permission="core.org.edit")
        again = api.attach_case(number, "7栋漏水", kind="grid.event", object_id=42, label="网格事件 42",
                                endpoint="org.tree", unit_id=grid_b.id, permission="core.people.edit")
        assert again == number and api.case_number("grid.event", 42) == number
        assert api.attach_case(None, "x", kind="grid.event", object_id=42, label="x", endpoint="org.tree",
                               unit_id=grid_b.id, permission="core.people.edit") == number, "attaching twice keeps the case"
    assert number.count("-") == 1 and number.endswith("-00001")
    staff = app.test_client()
    login(staff, create_user(street, "community_staff", unit_id=community.id))
    found = staff.get(f"/t/{street.slug}/cases/?number={number}")
    assert found.status_code == HTTPStatus.SEE_OTHER
    case_url = found.headers["Location"]
    page = staff.get(case_url).text
    assert "接待登记：7栋漏水" in page and "网格事件 42" in page
    leader = app.test_client()
    login(leader, create_user(street, "grid_leader", unit_id=grid_b.id))
    page = leader.get(case_url).text
    assert "网格事件 42" in page and "接待登记" not in page and "另有 1 个环节您无权查看" in page
    other = app.test_client()
    login(other, create_user(street, "grid_leader", unit_id=grid_a.id))
    assert other.get(case_url).status_code == HTTPStatus.NOT_FOUND


def test_settings_follow_the_district_unless_the_street_sets_its_own(app, create_tenant):
    from core.plugins import admin
    district = create_tenant("district")
    street = create_tenant("street", parent=district)
    for t in (district, street):
        with app.app_context(), tenant_scope(t.id):
            admin.enable(t.id, "grid", by_district=True)
    with app.app_context(), tenant_scope(district.id):
        admin.save_settings(district.id, "grid", {"self_handle_sample_pct": 25})
    with app.app_context(), tenant_scope(street.id):
        assert api.settings("grid")["self_handle_sample_pct"] == 25


def test_deliver_event_hands_an_event_to_a_plugins_handler(plugin_app, create_tenant, deliver_event):
    street = create_tenant()
    enable(plugin_app, street, "chatty")
    sample_plugins.SEEN["chatty"].clear()
    assert deliver_event(street, sample_plugins.Chirped(text="hi"), plugin_app)
    assert [(n, t) for n, _i, t in sample_plugins.SEEN["chatty"]] == [("chatty.chirped", street.id)]
