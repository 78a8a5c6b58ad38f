"""At phone size: an admin tries a stricter limit table on the category page before adopting it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_replay_shows_what_a_stricter_limit_would_do(app, page, live_server, create_tenant, create_unit, create_user,
                                                         enable_plugin):
    from plugins.grid.models import Category, GridEvent, Transition
    street = create_tenant(name="东街街道")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    grid = create_unit(street, community.id, "grid", "幸福第一网格", grid_type="residential")
    enable_plugin(street, "grid")
    admin = create_user(street, "tenant_admin")
    dispatched = clock.utcnow() - timedelta(days=60)
    with app.app_context(), tenant_scope(street.id):
        cat = db.session.query(Category).filter_by(code="UP-BUILD").one()
        cat.limit_value = 30  # 30 working days: closed after 20 days is on time
        ev = GridEvent(ref_no="E-WHATIF-1", title="违建", category_id=cat.id, grid_id=grid.id, state="CLOSED",
                       case_deadline=dispatched + timedelta(days=45), closed_at=dispatched + timedelta(days=20),
                       created_at=dispatched - timedelta(hours=1))
        db.session.add(ev)
        db.session.flush()
        db.session.add(Transition(event_id=ev.id, code="T9", action="dispatch", from_state="REGISTERED",
                                  to_state="DISPATCHED", at=dispatched))
        cat_id = cat.id
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/t/{street.slug}/grid/categories")
    page.fill(f"input[name=limit_value_{cat_id}]", "2")
    page.select_option(f"select[name=limit_unit_{cat_id}]", "working_day")
    page.click("[data-testid=whatif-run]")
    result = page.locator("#whatif-result")
    expect(result.locator("[data-testid=rate-now]")).to_have_text("现行 100.0%")
    expect(result.locator("[data-testid=rate-proposed]")).to_have_text("拟用 0.0%")
    expect(result.locator("[data-testid=changed]")).to_contain_text("变为超期 1 件")
    expect(result.locator("#whatif-grids")).to_contain_text("幸福第一网格")
    expect(page.locator("h1")).to_have_text("事件类别与时限")  # the page stays; only the result changes
    page.fill(f"input[name=limit_value_{cat_id}]", "400")
    page.click("[data-testid=whatif-run]")
    expect(result).to_contain_text("时限应在 1 到 365 之间")
    with app.app_context(), tenant_scope(street.id, commit=False):
        assert db.session.get(Category, cat_id).limit_value == 30  # nothing adopted
    assert page.problems == []
