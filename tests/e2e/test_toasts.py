"""After every action a success message: in the page a redirect lands on, or, when htmx swaps only a
fragment, sent in a header and shown by app.js; no inline script, no CSP violation."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import open_nav, sign_in
from .test_phone_shell import shot

pytestmark = pytest.mark.browser


def test_switching_a_module_off_and_on_says_so_in_a_toast(page, live_server, street, create_user):
    street, _grid, _people = street
    sign_in(page, live_server, create_user(street, "tenant_admin"))
    open_nav(page, "模块管理")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=toggle-grid]")  # htmx swaps the card alone
    expect(page.locator("#module-grid .state")).to_have_text("未启用")
    toast = page.locator("#flash .toast-success")
    expect(toast).to_have_text("已停用“网格化管理”，数据已保留")
    assert page.problems == []  # console errors and CSP violations (tests/e2e/conftest.py)
    page.click("[data-testid=toggle-grid]")
    expect(toast).to_have_text("已启用“网格化管理”")
    expect(toast).to_have_count(1)
    page.reload()  # shown once: the message does not come back with the next page
    expect(page.locator("#flash .toast")).to_have_count(0)
    assert page.problems == []


def test_registering_a_person_lands_on_their_page_with_a_toast(page, live_server, street, create_user):
    street, grid, _people = street
    sign_in(page, live_server, create_user(street, "tenant_admin"))
    page.goto(f"{live_server}/t/{street.slug}/people/")
    page.fill("#f-name", "李秀英")
    page.fill("#f-phone", "13900001111")
    page.fill("#f-org_unit_id", str(grid.id))
    page.click("#person-form button.primary")
    expect(page.locator("h1")).to_contain_text("李秀英")
    expect(page.locator("#flash .toast-success")).to_have_text("已登记“李秀英”")
    assert page.problems == []
    shot(page, "toast-person-registered")
