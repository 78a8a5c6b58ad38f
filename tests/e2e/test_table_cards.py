"""On a phone a list table is a stack of cards: each cell carries its column's label, nothing is off-screen."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import report_as_resident, sign_in
from .test_phone_shell import shot

pytestmark = pytest.mark.browser

FIRST_ROW_CELLS = """() => {
  const row = document.querySelector('#event-rows tr[data-event]');
  return [...row.querySelectorAll('td')].map(td => {
    const r = td.getBoundingClientRect();
    return {label: td.dataset.label, shown: getComputedStyle(td, '::before').content,
            left: r.left, right: r.right, width: r.width};
  });
}"""


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_the_event_queue_on_a_phone_shows_state_and_deadline_without_scrolling(page, live_server, street, large):
    street, _grid, people = street
    report_as_resident(page, live_server, street, "楼道里堆满了纸箱和旧家具，消防通道被堵")
    sign_in(page, live_server, people["clerk"])
    if large:
        page.click("[data-testid=large-text]")
        expect(page.locator("html")).to_have_class("large-text")
    page.goto(f"{live_server}/t/{street.slug}/grid/?group=all")
    expect(page.locator("#event-rows tr[data-event]")).to_have_count(1)
    cells = {c["label"]: c for c in page.evaluate(FIRST_ROW_CELLS)}
    assert {"时限", "事件", "类别", "网格", "状态"} <= set(cells)
    for label in ("状态", "时限"):
        cell = cells[label]
        assert cell["width"] > 0 and cell["left"] >= 0 and cell["right"] <= 390, cell
        assert cell["shown"] == f'"{label}"', cell  # the label is written beside the value
    expect(page.locator("#event-rows tr[data-event] td[data-label=状态]")).to_have_text("待受理")
    expect(page.locator("table.events thead")).not_to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, f"event-queue-cards-{'large' if large else 'normal'}")
    # a filter swaps only the rows: they come back as cards, and the table still has one head
    page.select_option("select[name=group]", "open")
    expect(page.locator("#event-rows tr[data-event] td[data-label=状态]")).to_have_text("待受理")
    expect(page.locator("table.events thead")).to_have_count(1)
    assert page.problems == []


def test_the_event_queue_on_a_desktop_is_still_a_table(page, live_server, street):
    street, _grid, people = street
    page.set_viewport_size({"width": 1366, "height": 768})
    report_as_resident(page, live_server, street, "路灯不亮")
    sign_in(page, live_server, people["clerk"])
    page.goto(f"{live_server}/t/{street.slug}/grid/?group=all")
    table = page.locator("table.events")
    assert table.evaluate("el => getComputedStyle(el).display") == "table"
    expect(table.locator("thead th")).to_have_text(["时限", "事件", "类别", "网格", "状态"])
    first = page.locator("#event-rows tr[data-event] td").first
    assert first.evaluate("el => getComputedStyle(el).display") == "table-cell"
    assert first.evaluate("el => getComputedStyle(el, '::before').content") in ("none", "normal")
    shot(page, "event-queue-desktop")
    assert page.problems == []
