"""At phone size: a resident books a representative's reception, another joins the waitlist, the
first cancels and the second books from the waitlist; the desk records a visit in the resident's own
words, the matter is referred to a department and answered."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.api import clock
from tests.plugins.office_hours.conftest import in_days, make_reception, ow  # noqa: F401 - the ow fixture

from .conftest import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.click("[data-testid=logout]")
    expect(page.locator("h1")).to_have_text("登录")


def test_book_cancel_rebook_from_the_waitlist_record_refer_and_answer(page, live_server, app, ow):  # noqa: F811
    r = make_reception(app, ow, in_days(4), minutes=20, seats=1)
    first, second = ow.residents[0], ow.residents[1]
    base = f"{live_server}/t/{ow.street.slug}/office_hours"

    sign_in(page, live_server, first)
    page.goto(f"{base}/book")
    card = page.locator(f"section[data-reception='{r}']")
    card.locator("button.slot").first.click()
    expect(card.locator("[data-testid=hold]")).to_contain_text("请在 5 分钟内确认")
    card.locator("[data-testid=confirm]").click()
    expect(card.locator("[data-testid=confirmed]")).to_contain_text("预约成功")
    sign_out(page)

    sign_in(page, live_server, second)
    page.goto(f"{base}/book")
    card = page.locator(f"section[data-reception='{r}']")
    card.locator("button.slot").first.click()
    expect(card.locator("[data-testid=full]")).to_contain_text("该时段已约满")
    card.locator("[data-testid=full] [data-testid=join-waitlist]").click()
    expect(card.locator("[data-testid=waiting]")).to_contain_text("第 1 位")
    sign_out(page)

    sign_in(page, live_server, first)
    page.goto(f"{base}/my")
    page.click("[data-testid=cancel-booking]")
    expect(page.locator("table")).to_contain_text("已取消")
    sign_out(page)

    sign_in(page, live_server, second)
    page.goto(f"{base}/my")
    page.click("[data-testid=accept-offer]")
    expect(page.locator("table")).to_contain_text("已确认")
    sign_out(page)

    held = make_reception(app, ow, clock.utcnow() - timedelta(hours=3), minutes=60, state="held")
    sign_in(page, live_server, ow.desk)
    page.goto(f"{base}/desk/{held}")
    page.fill("#f-statement_verbatim", "小区门口的路灯坏了三个月，晚上老人出门看不见。")
    page.fill("#f-summary", "小区门口路灯损坏")
    page.select_option("#f-category", "urban_property")
    page.check("input[name=read_back]")
    page.check("input[name=create_issue]")
    page.click("#visit-form button.primary")
    expect(page.locator("[data-visit]")).to_contain_text("已复述确认")

    page.goto(f"{base}/issues")
    page.locator("[data-issue] a").first.click()
    expect(page.locator("[data-testid=issue-state]")).to_have_text("待分办")
    page.fill("form[data-action=triage] input[name=proposal]", "转城管部门维修")
    page.click("form[data-action=triage] button")
    expect(page.locator("[data-testid=issue-state]")).to_have_text("已分办")
    page.select_option("form[data-action=refer] select[name=target_type]", "department")
    page.fill("form[data-action=refer] input[name=target_ref]", "区城管局")
    page.click("form[data-action=refer] button")
    expect(page.locator("[data-testid=issue-state]")).to_have_text("已转办")
    page.click("form[data-action=accept] button")
    page.fill("form[data-action=result] input[name=note]", "路灯已更换")
    page.click("form[data-action=result] button")
    page.fill("form[data-action=feedback] input[name=note]", "您反映的路灯已于本周更换")
    page.click("form[data-action=feedback] button")
    expect(page.locator("[data-testid=issue-state]")).to_have_text("已答复待回访")
    # a full slot answers 409 with the alternatives in place: Chromium logs it, it is not a problem
    assert [p for p in page.problems if "status of 409" not in p] == []
