"""A live server on the test database and headless Chromium (Debian's, never a downloaded one)."""
from __future__ import annotations

import os
import shutil

import pytest

from core.testing.live import serve

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def chromium_path() -> str | None:
    return os.environ.get("JICENG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def live_server(app):
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        if CI:
            pytest.fail("CI=true but Chromium is not installed (apt-get install chromium)")
        pytest.skip("browser tests need Chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu",
                                                           "--disable-background-networking"])
        yield b
        b.close()


CSP_WATCH = """document.addEventListener("securitypolicyviolation", function (e) {
  window.__jicengCsp([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample].join(" "));
});"""


@pytest.fixture
def page(browser, request):
    """A phone-sized page that records console errors and CSP violations."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.problems = []
    # A 422 is how a form says "fix this field": Chromium logs it, but it is not a problem.
    page.on("console", lambda msg: msg.type == "error" and "status of 422" not in msg.text
            and page.problems.append(msg.text))
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    # CSP violations are problems too, whether or not Chromium logs them to the console.
    page.expose_function("__jicengCsp", lambda text: page.problems.append(f"CSP: {text}"))
    page.add_init_script(CSP_WATCH)
    yield page
    shots = os.environ.get("JICENG_SCREENSHOTS")
    if shots:
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=os.path.join(shots, f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page, live_server, account):
    """Sign in through the form and land on the dashboard."""
    from playwright.sync_api import expect
    page.goto(f"{live_server}/login")
    page.fill("#f-username", account.username)
    page.fill("#f-password", account.password)
    page.click("button.primary")
    expect(page.locator("h1")).to_contain_text("工作台")


def open_nav(page, label):
    """Follow a nav item: on a phone it sits behind 更多 at the foot of the screen."""
    from playwright.sync_api import expect
    more = page.locator("#nav .more")
    if more.is_visible() and more.get_attribute("open") is None:
        page.click("#nav .more > summary")
    link = page.locator("#nav-full a", has_text=label).first
    expect(link).to_be_visible()
    link.click()


def report_as_resident(page, live_server, street, title: str) -> None:
    """A resident fills in the public report page (grid 幸福第一网格 of 幸福社区) and sees the 受理编号."""
    from playwright.sync_api import expect
    page.goto(f"{live_server}/t/{street.slug}/grid/report")
    page.fill("#f-title", title)
    page.select_option("#f-category_id", label="楼道堆物")
    page.select_option("#f-grid_id", label="幸福社区·幸福第一网格")
    page.fill("#f-address", "3栋2单元")
    page.fill("#f-description", "楼道里堆了很多纸箱，影响通行")
    page.fill("#f-reporter_phone", "13812345678")
    page.click("#report-form button.primary")
    expect(page.locator("#report-done")).to_contain_text("受理编号")


@pytest.fixture
def street(create_tenant, create_unit, create_user, enable_plugin):
    """东街街道 with 幸福社区 · 幸福第一网格, the grid module on, and who works its events:
    (street, grid, {"clerk", "worker", "checker"})."""
    street = create_tenant(name="东街街道")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    grid = create_unit(street, community.id, "grid", "幸福第一网格", grid_type="residential")
    enable_plugin(street, "grid")
    people = {"clerk": create_user(street, "intake_clerk"), "worker": create_user(street, "grid_worker", unit_id=grid.id),
              # the community's checker: outside the grid that handles the work (docs/grid.md §3 invariant 2)
              "checker": create_user(street, "community_staff", unit_id=community.id)}
    return street, grid, people
