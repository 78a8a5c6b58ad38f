"""A district switches a module for one street at a time; a module that is off says so by name."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.db import db
from core.plugins import admin
from core.tenancy import tenant_scope
from core.testing.factories import login, post
from core.testing.html import select as css, select_one, text_of

HX = {"HX-Request": "true"}


@pytest.fixture
def area(plugin_app, create_tenant, create_user):
    """A district with two streets, each with its admin signed in on its own client."""
    district = create_tenant("district")
    streets = [create_tenant("street", parent=district) for _ in range(2)]
    clients = {}
    for tenant in (district, *streets):
        clients[tenant.slug] = plugin_app.test_client()
        login(clients[tenant.slug], create_user(tenant, "tenant_admin"))
    return district, streets, clients


def switch(client, district, street, enabled: bool, headers=HX):
    return post(client, f"/t/{district.slug}/admin/modules/chatty/streets/{street.slug}",
                {"enabled": "1" if enabled else "0"}, headers=headers)


def actions(app, tenant) -> list[tuple[str, dict]]:
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        return [(a, d) for a, d in db.session.execute(select(AuditLog.action, AuditLog.detail)
                                                      .where(AuditLog.object_id == "chatty").order_by(AuditLog.id))]


def test_the_district_switches_one_street_and_only_that_one(plugin_app, area):
    district, (east, west), clients = area
    boss = clients[district.slug]
    resp = switch(boss, district, east, True)
    assert resp.status_code == HTTPStatus.OK and "<html" not in resp.text
    rows = css(resp.text, "[data-testid=streets-chatty] tr[data-street]")
    states = {row["data-street"]: text_of(str(row), "td.state") for row in rows}
    assert states == {east.slug: "已启用", west.slug: "未启用"}
    # effective on the street's next request: its page and nav appear; the neighbour's do not
    assert clients[east.slug].get(f"/t/{east.slug}/chatty/").status_code == HTTPStatus.OK
    assert "啾啾导航" in text_of(clients[east.slug].get(f"/t/{east.slug}/").text, "#nav")
    assert clients[west.slug].get(f"/t/{west.slug}/chatty/").status_code == HTTPStatus.NOT_FOUND
    switch(boss, district, east, False)
    assert clients[east.slug].get(f"/t/{east.slug}/chatty/").status_code == HTTPStatus.NOT_FOUND
    assert "啾啾导航" not in text_of(clients[east.slug].get(f"/t/{east.slug}/").text, "#nav")


def test_the_switch_is_in_the_district_log_and_in_the_street_log(plugin_app, area):
    district, (east, west), clients = area
    switch(clients[district.slug], district, east, True)
    switch(clients[district.slug], district, east, False)
    assert actions(plugin_app, district) == [("plugin.street", {"street": east.slug, "enabled": True}),
                                             ("plugin.street", {"street": east.slug, "enabled": False})]
    assert actions(plugin_app, east) == [("plugin.enable", {"by_district": True}),
                                         ("plugin.disable", {"by_district": True})]
    assert actions(plugin_app, west) == []


def test_a_street_cannot_use_the_per_street_controls(plugin_app, area, create_tenant):
    district, (east, west), clients = area
    local = clients[east.slug]
    assert switch(local, east, east, True).status_code == HTTPStatus.NOT_FOUND  # a street has no streets
    assert switch(local, district, west, True).status_code == HTTPStatus.NOT_FOUND  # not a member of the district
    stranger = create_tenant("street")  # another district's (or no district's) street is not ours
    assert switch(clients[district.slug], district, stranger, True).status_code == HTTPStatus.NOT_FOUND
    assert actions(plugin_app, west) == [] and actions(plugin_app, stranger) == []


def test_a_street_locked_by_the_district_still_cannot_switch_it_itself(plugin_app, area):
    district, (east, _west), clients = area
    post(clients[district.slug], f"/t/{district.slug}/admin/modules/chatty/streets", {"enabled": "1", "lock": "1"})
    refused = post(clients[east.slug], f"/t/{east.slug}/admin/modules/chatty/disable", headers=HX)
    assert refused.status_code == HTTPStatus.CONFLICT and "区已锁定" in refused.text
    page = clients[district.slug].get(f"/t/{district.slug}/admin/modules/")
    assert text_of(page.text, f"[data-testid=streets-chatty] tr[data-street={east.slug}] .tag") == "区已锁定"


def test_a_module_that_is_off_says_so_by_name(plugin_app, area, create_user):
    _district, (east, _west), clients = area
    resp = clients[east.slug].get(f"/t/{east.slug}/chatty/")
    assert resp.status_code == HTTPStatus.NOT_FOUND
    assert text_of(resp.text, "[data-testid=module-off] h1") == "本单位未启用「啾啾」"
    assert select_one(resp.text, "[data-testid=to-dashboard]")["href"] == f"/t/{east.slug}/"
    assert select_one(resp.text, "[data-testid=to-modules]")["href"] == f"/t/{east.slug}/admin/modules/"
    staff = plugin_app.test_client()
    login(staff, create_user(east, "community_staff"))
    plain = staff.get(f"/t/{east.slug}/chatty/")
    assert plain.status_code == HTTPStatus.NOT_FOUND and select_one(plain.text, "[data-testid=module-off]")
    assert select_one(plain.text, "[data-testid=to-modules]") is None
    assert clients[east.slug].get(f"/t/{east.slug}/no-such-page").status_code == HTTPStatus.NOT_FOUND


def test_switching_off_asks_first_and_says_what_disappears(plugin_app, area):
    district, (east, _west), clients = area
    with plugin_app.app_context(), tenant_scope(district.id):
        admin.enable(district.id, "chatty")
    switch(clients[district.slug], district, east, True)
    page = clients[district.slug].get(f"/t/{district.slug}/admin/modules/").text
    card = "#module-chatty"
    own = select_one(page, f"{card} form[hx-post$='/chatty/disable']")["hx-confirm"]
    every = select_one(page, f"{card} [data-testid=streets-off-chatty]")["hx-confirm"]
    one = select_one(page, f"{card} tr[data-street={east.slug}] form")["hx-confirm"]
    for text in (own, every, one):
        assert "「啾啾」" in text and "导航" in text and "二维码海报链接和接口" in text and "数据会保留" in text
    street_page = clients[east.slug].get(f"/t/{east.slug}/admin/modules/").text
    assert "数据会保留" in select_one(street_page, f"{card} form[hx-post$='/chatty/disable']")["hx-confirm"]


def test_the_sidebar_follows_the_switch_out_of_band(plugin_app, area):
    _district, (east, _west), clients = area
    local = clients[east.slug]
    on = post(local, f"/t/{east.slug}/admin/modules/chatty/enable", headers=HX)
    assert on.status_code == HTTPStatus.OK and "<html" not in on.text
    assert "啾啾导航" in text_of(on.text, "nav#nav") and select_one(on.text, "#module-chatty.on")
    off = post(local, f"/t/{east.slug}/admin/modules/chatty/disable", headers=HX)
    assert off.status_code == HTTPStatus.OK and "啾啾导航" not in text_of(off.text, "nav#nav")
