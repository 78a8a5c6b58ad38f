"""A street admin on a phone issues a key for the 12345 platform, copies it once, and revokes it."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from .conftest import open_nav, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_issues_and_revokes_a_key_on_a_phone(page, live_server, create_tenant, create_user, enable_plugin):
    street = create_tenant(name="演示街道")
    enable_plugin(street, "grid")
    sign_in(page, live_server, create_user(street, "tenant_admin"))
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}/t/{street.slug}/")
    open_nav(page, "接口密钥")
    expect(page.locator("h1")).to_have_text("接口密钥")

    page.click("#api-key-form button.primary")  # no name yet
    expect(page.locator("#api-key-form #err-name")).to_have_text("必填项")
    page.fill("#api-key-form #f-name", "区12345热线平台")
    page.click("#api-key-form button.primary")
    secret = page.locator("#new-api-key code")
    expect(secret).to_contain_text("jc_")
    if os.environ.get("JICENG_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["JICENG_SCREENSHOTS"], "api-keys.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    revoke = page.locator("#api-keys button:has-text('撤销')").bounding_box()
    assert revoke["x"] + revoke["width"] <= 375, "revoking a key needs no sideways scrolling on a phone"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#api-keys button:has-text('撤销')")
    expect(page.locator("#api-keys")).to_contain_text("已撤销")
    expect(page.locator("#new-api-key")).to_have_count(0)  # the secret is gone for good
    assert page.problems == []
