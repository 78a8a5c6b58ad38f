"""At phone size, with the network gone: the report form keeps a draft and sends it once back online."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import sign_in

pytestmark = pytest.mark.browser


def events(app, tenant):
    """(title, address, grid, device time, received) of each event, oldest first."""
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        return [(e.title, e.address, e.grid_id, clock.aware(e.device_captured_at), clock.aware(e.created_at))
                for e in db.session.scalars(select(GridEvent).order_by(GridEvent.id))]


def test_an_offline_report_is_kept_as_a_draft_and_sent_later(app, page, live_server, street):
    street, grid, people = street
    sign_in(page, live_server, people["clerk"])
    page.goto(f"{live_server}/t/{street.slug}/grid/new")
    expect(page.locator("#draft-bar")).to_be_hidden()
    before = len(events(app, street))

    page.context.set_offline(True)
    page.fill("#f-title", "地下车库积水")
    page.select_option("#f-category_id", label="城建物业 · 道路设施损坏")
    page.select_option("#f-grid_id", label="幸福社区·幸福第一网格")
    page.fill("#f-address", "5栋地下车库")
    captured_after = clock.utcnow() - timedelta(seconds=5)
    page.click("#event-form button.primary")
    bar = page.locator("#draft-bar")
    expect(bar).to_be_visible()
    expect(bar.locator("h2")).to_have_text("草稿 (1)")
    expect(bar).to_contain_text("网络不通，已保存为草稿")
    expect(bar).to_contain_text("当前离线")
    expect(bar.locator("[data-draft-submit]")).to_be_disabled()
    expect(page.locator("#f-title")).to_have_value("")  # the form is free for the next report
    assert len(events(app, street)) == before

    page.context.set_offline(False)
    expect(bar.locator("[data-draft-offline]")).to_be_hidden()
    expect(bar.locator("[data-draft-title]")).to_have_text("地下车库积水")
    bar.locator("[data-draft-submit]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    assert re.search(r"/grid/\d+$", page.url), page.url
    expect(page.locator("#event-card")).to_contain_text("设备记录时间")
    expect(page.locator("[data-testid=device-time-flag]")).to_have_count(0)

    rows = events(app, street)
    assert len(rows) == before + 1
    title, address, grid_id, device_at, received = rows[-1]
    assert (title, address, grid_id) == ("地下车库积水", "5栋地下车库", grid.id)
    assert captured_after <= device_at <= received  # the time the device captured it, before it arrived

    page.goto(f"{live_server}/t/{street.slug}/grid/new")
    expect(page.locator("#draft-bar")).to_be_hidden()  # sent drafts are gone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.problems == []


def test_a_report_that_cannot_reach_the_server_becomes_a_draft(app, page, live_server, street):
    street, grid, people = street
    sign_in(page, live_server, people["clerk"])
    page.goto(f"{live_server}/t/{street.slug}/grid/new")
    before = len(events(app, street))
    page.route(re.compile(r".*/grid/$"), lambda route: route.abort("connectionfailed")
               if route.request.method == "POST" else route.continue_())  # the phone thinks it is online
    page.fill("#f-title", "井盖松动")
    page.select_option("#f-category_id", label="城建物业 · 道路设施损坏")
    page.fill("#f-address", "东门口")
    page.click("#event-form button.primary")
    expect(page.locator("#draft-bar h2")).to_have_text("草稿 (1)")
    expect(page.locator("#draft-bar [data-draft-title]")).to_have_text("井盖松动")
    expect(page.locator("#draft-bar [data-draft-offline]")).to_be_hidden()
    assert len(events(app, street)) == before
    page.unroute(re.compile(r".*/grid/$"))
    page.click("#draft-bar [data-draft-submit]")
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    assert events(app, street)[-1][:2] == ("井盖松动", "东门口")
    # the failed attempt (the browser's and htmx's reports of it) is the only complaint in the console
    network = ("ERR_CONNECTION_FAILED", "htmx:sendError", "htmx:afterRequest")
    assert [p for p in page.problems if not any(n in p for n in network)] == []
