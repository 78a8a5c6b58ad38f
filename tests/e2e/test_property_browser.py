"""At phone size: a resident reports a broken entrance door, the company ignores it, three working days
later it goes to the community (a grid event), the company does the work it was sent back, a grid worker
of the compound's grid checks it, and the resident rates it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.api import clock

from tests.plugins.property.conftest import pw  # noqa: F401  (the street, its compounds and people)

from .conftest import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.click("[data-testid=logout]")
    expect(page.locator("h1")).to_have_text("登录")


def test_ignored_ticket_escalates_is_checked_by_the_grid_and_rated(app, page, live_server, pw, enable_plugin):
    from tests.plugins.property.conftest import settle
    from tests.plugins.property.test_supervision import grid_act, grid_state
    enable_plugin(pw.street, "grid")
    base = f"{live_server}/t/{pw.street.slug}/property"

    sign_in(page, live_server, pw.resident)
    page.goto(f"{base}/tickets/new")
    page.select_option("#f-compound_id", str(pw.compounds[0].id))
    page.select_option("#f-category_id", label="公共设施维修（2 个工作小时响应，3 个工作日内完成）")
    page.fill("#f-description", "2栋单元门禁坏了，刷卡进不去")
    page.click("#ticket-form button.primary")
    expect(page.locator("[data-testid=state]")).to_have_text("待接单")
    expect(page.locator("[data-testid=banner]")).to_contain_text("距转社区督办还剩")
    from sqlalchemy import func, select

    from core.api import db
    from plugins.property.models import Ticket
    from tests.plugins.property.conftest import in_tenant
    with app.app_context(), in_tenant(pw):
        ticket_id = db.session.scalar(select(func.max(Ticket.id)))
    ticket_url = f"{base}/tickets/{ticket_id}"
    sign_out(page)

    # the company does nothing; a week later the supervision job runs
    from plugins.property.services import supervision
    clock.travel(timedelta(days=7).total_seconds())
    try:
        with app.app_context(), in_tenant(pw):
            assert supervision.run()["escalated"] == 1
        settle(app, pw)
        from tests.plugins.property.conftest import ticket_row
        event_id = int(ticket_row(app, pw, ticket_id).grid_event_ref)

        sign_in(page, live_server, pw.resident)
        page.goto(ticket_url)
        expect(page.locator("[data-testid=escalated]")).to_contain_text("已转社区督办")
        sign_out(page)

        # the community registers the grid event and sends it back to the company's compound
        for name, data in (("register", {}), ("dispatch", {"handler_unit_id": pw.compounds[0].id}), ("sign", {})):
            assert grid_act(app, pw, pw.admin, event_id, name, **data).status_code == 200

        sign_in(page, live_server, pw.provider)
        page.goto(ticket_url)
        page.click("#act-accept button")
        expect(page.locator("[data-testid=state]")).to_have_text("已接单")
        page.click("#act-start button")
        expect(page.locator("[data-testid=state]")).to_have_text("处理中")
        page.fill("#act-complete input[name=result]", "已更换门禁读卡器")
        page.fill("#act-complete input[name=photo]", "IMG-20260305-01")
        page.click("#act-complete button")
        expect(page.locator("[data-testid=state]")).to_have_text("待评价/待回访")
        sign_out(page)
        settle(app, pw)
        assert grid_state(app, pw, event_id) == "AWAITING_CHECK"

        sign_in(page, live_server, pw.worker)
        page.goto(f"{live_server}/t/{pw.street.slug}/grid/{event_id}")
        page.click("details[data-action=check_pass] > summary")
        page.click("[data-testid=do-check_pass]")
        expect(page.locator("[data-testid=state]")).to_have_text("已结案")
        sign_out(page)
        settle(app, pw)

        sign_in(page, live_server, pw.resident)
        page.goto(ticket_url)
        expect(page.locator("[data-testid=state]")).to_have_text("已关闭")
        page.check("#act-rate input[value=good]")
        page.click("#act-rate button")
        expect(page.locator("[data-testid=rating]")).to_have_text("满意")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert page.problems == []
    finally:
        clock.reset()
