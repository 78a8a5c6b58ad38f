"""A street with a community and a grid, the grid plugin on, and the people who work events."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import login, post


@dataclass
class GridWorld:
    street: object
    community: object
    grid: object
    other_grid: object
    clerk: object
    worker: object
    checker: object
    leader: object
    admin: object
    categories: dict
    #: the grid's own leader (网格长): works in the grid, so never checks work the grid handled
    grid_leader: object


@pytest.fixture
def gw(app, create_tenant, create_unit, create_user, enable_plugin):
    street = create_tenant(name="东街街道")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    grid = create_unit(street, community.id, "grid", "幸福第一网格", grid_type="residential")
    other = create_unit(street, community.id, "grid", "幸福第二网格", grid_type="residential")
    enable_plugin(street, "grid")
    from plugins.grid.models import Category
    with app.app_context(), tenant_scope(street.id, commit=False):
        cats = {c.code: c.id for c in db.session.scalars(select(Category))}
    return GridWorld(street, community, grid, other,
                     clerk=create_user(street, "intake_clerk"), worker=create_user(street, "grid_worker", unit_id=grid.id),
                     # the community's checker: outside the grid, so independent of the work it handles
                     checker=create_user(street, "community_staff", unit_id=community.id),
                     leader=create_user(street, "community_staff", unit_id=community.id),
                     admin=create_user(street, "tenant_admin"), categories=cats,
                     grid_leader=create_user(street, "grid_leader", unit_id=grid.id))


def client_for(app, account):
    c = app.test_client()
    login(c, account)
    return c


def report(app, gw, code="SA-GARBAGE", **extra):
    """Report an event as the intake clerk; returns its id."""
    c = client_for(app, gw.clerk)
    data = {"title": "3栋楼道堆放杂物", "category_id": gw.categories[code], "grid_id": gw.grid.id, "urgency": "NORMAL",
            "source": "RESIDENT", "reporter_phone": "13812345678", **extra}
    resp = post(c, f"/t/{gw.street.slug}/grid/", data)
    assert resp.status_code == 303, resp.text[:800]
    return int(re.search(r"/grid/(\d+)$", resp.headers["Location"]).group(1))


def state_of(app, gw, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        ev = db.session.get(GridEvent, event_id)
        return ev.state, ev.version


def act(app, gw, account, event_id, name, **data):
    """Perform an action as ``account`` through the page, with the current version; returns the response."""
    c = client_for(app, account)
    _state, version = state_of(app, gw, event_id)
    return post(c, f"/t/{gw.street.slug}/grid/{event_id}/act/{name}", {"version": version, **data},
                headers={"HX-Request": "true"})
