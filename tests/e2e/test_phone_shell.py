"""The phone shell: a bottom bar that fits, the full nav behind 更多, tables as cards, no CSP errors."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from .conftest import report_as_resident, sign_in

pytestmark = pytest.mark.browser

SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")

# Runs before any page script: every CSP violation is kept, with what caused it.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(" | "));
});
"""


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def report_event(page, live_server, street, title="楼道堆放杂物"):
    report_as_resident(page, live_server, street, title)


def test_no_csp_violations_on_a_day_of_work(page, live_server, street):
    street, _grid, people = street
    page.add_init_script(WATCH_CSP)
    csp_console = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and csp_console.append(msg.text))
    report_event(page, live_server, street)
    sign_in(page, live_server, people["clerk"])
    seen = list(page.evaluate("window.__csp"))
    page.goto(f"{live_server}/t/{street.slug}/grid/?group=all")
    seen += page.evaluate("window.__csp")
    page.click("#event-rows a")
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    page.click("details[data-action=register] > summary")
    page.click("[data-testid=do-register]")  # an htmx form
    expect(page.locator("[data-testid=state]")).to_have_text("已立案待派遣")
    seen += page.evaluate("window.__csp")
    assert seen == [] and csp_console == [], seen + csp_console
    assert page.problems == []


LABELS_FIT = """() => [...document.querySelectorAll('#nav .tabbar .tab-label')].map(el => {
  const r = el.getBoundingClientRect(), cell = el.closest('a, summary').getBoundingClientRect();
  return {text: el.textContent.trim(), fits: el.scrollWidth <= el.clientWidth,
          inside: r.left >= cell.left - 0.5 && r.right <= cell.right + 0.5 && r.top >= cell.top - 0.5 && r.bottom <= cell.bottom + 0.5,
          visible: r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight};
})"""


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_the_phone_has_a_bottom_bar_and_more_opens_the_grouped_nav(page, live_server, street, large):
    street, _grid, people = street
    sign_in(page, live_server, people["worker"])
    if large:
        page.click("[data-testid=large-text]")
        expect(page.locator("html")).to_have_class("large-text")
        toggle = page.locator("[data-testid=large-text]")  # the header shows that it is on
        expect(toggle).to_have_attribute("aria-pressed", "true")
        assert toggle.evaluate("el => getComputedStyle(el, '::before').content") == '"✓ "'
        assert toggle.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
    bar = page.locator("[data-testid=tabbar]")
    expect(bar).to_be_visible()
    labels = page.evaluate(LABELS_FIT)
    assert [label["text"] for label in labels] == ["工作台", "组织体系", "人员", "消息", "更多"]
    assert all(label["fits"] and label["inside"] and label["visible"] for label in labels), labels
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 844 + 0.5 and box["width"] <= 390
    expect(page.locator("#nav-full")).to_be_hidden()
    shot(page, f"phone-bar-{'large' if large else 'normal'}")

    page.click("[data-testid=more] > summary")
    panel = page.locator("#nav-full")
    expect(panel).to_be_visible()
    expect(panel.locator(".nav-group h2").first).to_have_text("网格工作")  # grouped as on the desktop sidebar
    expect(panel.locator("a", has_text="网格事件")).to_be_visible()
    assert panel.bounding_box()["y"] + panel.bounding_box()["height"] <= box["y"] + 0.5  # above the bar
    shot(page, f"phone-more-{'large' if large else 'normal'}")
    panel.locator("a", has_text="网格事件").click()
    expect(page.locator("h1")).to_contain_text("网格事件")
    expect(page.locator("#nav-full")).to_be_hidden()  # the nav came back closed
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.problems == []


def test_the_desktop_keeps_its_sidebar(page, live_server, street):
    street, _grid, people = street
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, people["worker"])
    expect(page.locator("[data-testid=tabbar]")).to_be_hidden()
    expect(page.locator("#nav-full")).to_be_visible()
    expect(page.locator("#nav-full a", has_text="网格事件")).to_be_visible()
    shot(page, "desktop-sidebar")
    assert page.problems == []
