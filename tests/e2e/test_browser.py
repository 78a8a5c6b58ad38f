"""A person with a phone: sign in, switch language, open the tree, make a mistake, sign out."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import open_nav, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def street_with_tree(create_tenant, create_unit, create_user):
    street = create_tenant(name="演示街道")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    create_unit(street, community.id, "grid", "幸福第一网格", grid_type="residential")
    account = create_user(street, "tenant_admin")
    return street, community, account


def test_sign_in_switch_language_expand_tree_error_and_sign_out(page, live_server, street_with_tree):
    street, community, account = street_with_tree
    sign_in(page, live_server, account)
    expect(page.locator("#widget-org-summary")).to_contain_text("社区")  # the lazy widget loaded

    page.click("[data-testid=lang-en]")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    page.click("[data-testid=lang-zh]")
    expect(page.locator("h1")).to_contain_text("工作台")

    open_nav(page, "组织体系")
    expect(page.locator("h1")).to_have_text("组织体系")
    page.click(f"li[data-unit='{street.root_id}'] > details > summary")
    expect(page.locator(f"#kids-{street.root_id}")).to_contain_text("幸福社区")
    page.click(f"li[data-unit='{community.id}'] > details > summary")
    expect(page.locator(f"#kids-{community.id}")).to_contain_text("幸福第一网格")

    page.goto(f"{live_server}/t/{street.slug}/org/{community.id}")
    page.fill("#unit-form #f-code", "g-new")
    page.click("#unit-form button.primary")
    error = page.locator("#unit-form #err-name")
    expect(error).to_have_text("必填项")
    expect(page.locator("#unit-form #f-code")).to_have_value("g-new")

    page.click("[data-testid=logout]")
    expect(page.locator("h1")).to_have_text("登录")
    page.goto(f"{live_server}/t/{street.slug}/")
    expect(page.locator("h1")).to_have_text("登录")
    assert page.problems == []


def test_an_expired_session_on_an_htmx_action_says_so(page, live_server, street_with_tree, app):
    street, community, account = street_with_tree
    sign_in(page, live_server, account)
    page.goto(f"{live_server}/t/{street.slug}/org/{community.id}")
    page.context.clear_cookies()
    page.fill("#unit-form #f-name", "新网格")
    page.fill("#unit-form #f-code", "g-exp")
    page.click("#unit-form button.primary")
    expect(page.locator("#flash")).to_contain_text("页面已过期，请刷新")


def test_the_phone_layout_has_no_sideways_scroll(page, live_server, street_with_tree):
    street, _community, account = street_with_tree
    sign_in(page, live_server, account)
    for path in ("/", "/org/", "/people/", "/admin/users"):
        page.goto(f"{live_server}/t/{street.slug}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
    assert page.problems == []


def test_switching_a_module_on_puts_it_in_the_nav(page, live_server, street_with_tree):
    street, _community, account = street_with_tree
    sign_in(page, live_server, account)
    open_nav(page, "模块管理")
    expect(page.locator("h1")).to_have_text("模块管理")
    expect(page.locator("#nav")).not_to_contain_text("你好笔记")
    page.click("[data-testid=toggle-hello]")
    expect(page.locator("#module-hello .state")).to_have_text("已启用")
    expect(page.locator("#nav")).to_contain_text("你好笔记")  # swapped out of band, no reload
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("[data-testid=toggle-hello]")
    expect(page.locator("#module-hello .state")).to_have_text("未启用")
    expect(page.locator("#nav")).not_to_contain_text("你好笔记")
    assert "数据会保留" in asked[0]
    page.click("[data-testid=toggle-hello]")
    expect(page.locator("#module-hello .state")).to_have_text("已启用")  # saved before the reload
    page.reload()
    expect(page.locator("#nav")).to_contain_text("你好笔记")
    open_nav(page, "你好笔记")
    expect(page.locator("h1")).to_have_text("你好笔记")
    assert page.problems == []
