"""The district on a phone (390 px) and a desktop (1366 px): its 工作台 shows its streets'
organisation, 组织建设 shows the seed's figures from data, each figure opens the (masked) people
behind it, and 组织体系 shows the streets' trees read-only. Screenshots go to tests/e2e/screenshots/."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD

from .conftest import CSP_WATCH

pytestmark = pytest.mark.browser

SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")


@pytest.fixture(scope="module")
def demo(app):
    # the same arguments as tests/core/test_demo.py, so whichever loads first serves both
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130"])
    assert result.exit_code == 0, result.output


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"


@pytest.mark.parametrize("width", [390, 1366])
def test_the_district_sees_its_district(browser, live_server, demo, width):
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 900}, locale="zh-CN",
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.expose_function("__jicengCsp", lambda text: problems.append(f"CSP: {text}"))
    page.add_init_script(CSP_WATCH)
    try:
        page.goto(f"{live_server}/login")
        page.fill("#f-username", "district-admin")
        page.fill("#f-password", DEMO_PASSWORD)
        page.click("button.primary")
        expect(page.locator("h1")).to_have_text("选择单位")  # the district and, as street staff, its streets
        page.get_by_role("link", name=re.compile("谢家集区")).first.click()
        expect(page.locator("h1")).to_contain_text("工作台")
        summary = page.locator(".stats", has_text="街道").first
        expect(summary).to_contain_text("37")
        expect(summary.locator("strong")).to_have_text(["5", "37", "128", "286", re.compile(r"\d+")])
        fits(page, width)
        shot(page, f"district-dashboard-{width}")

        page.get_by_role("link", name=re.compile("组织建设数据")).click()
        expect(page.locator("h1")).to_contain_text("组织建设")
        for name, value in (("streets", "5"), ("communities", "37"), ("compounds", "128"), ("grids", "286"),
                            ("leaders", "30"), ("yijiantiao", "23"), ("secretaries", "37"), ("committee_college", "215"),
                            ("committee", "269"), ("previous_college", "170"), ("young_cadres", "22"),
                            ("joint_party_orgs", "37"), ("category-直管", "3100")):
            expect(page.locator(f'[data-figure="{name}"]')).to_have_text(value)
        expect(page.locator("#fig-yijiantiao")).to_contain_text("62.2%")
        expect(page.locator("#fig-college")).to_contain_text("79.9%")
        expect(page.locator("#fig-college")).to_contain_text("+16.7")
        fits(page, width)
        shot(page, f"district-figures-{width}")

        page.click('a[data-figure="yijiantiao"]')
        expect(page.locator("h1")).to_contain_text("一肩挑")
        rows = page.locator("#figure-rows tbody tr")
        expect(rows).to_have_count(23)
        names = page.locator("[data-testid=name]").all_inner_texts()
        assert all(re.fullmatch(r"[\u4e00-\u9fff]\*+", n) for n in names), names
        fits(page, width)
        shot(page, f"district-yijiantiao-{width}")

        page.goto(f"{live_server}/t/xiejiaji/org/")
        expect(page.locator("[data-testid=read-only]")).to_be_visible()
        street = page.locator(".tree > li", has_text="谢家集街道")
        street.locator("summary").first.click()
        expect(street.locator("ul[role=group]").first).to_contain_text("靠山社区")
        fits(page, width)
        shot(page, f"district-tree-{width}")
        street.locator("ul[role=group] > li", has_text="靠山社区").locator("a.open").first.click()
        expect(page.locator("[data-testid=read-only]")).to_contain_text("谢家集街道")
        expect(page.locator("main form[method=post]")).to_have_count(0)
        shot(page, f"district-street-unit-{width}")
        assert problems == []
    finally:
        context.close()
