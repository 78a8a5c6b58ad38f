"""A success message after every action: on the page a redirect lands on, or in an htmx answer's header
when only a fragment is swapped; shown once, in Chinese, and never after a refusal."""
from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from core.testing.factories import htmx, login, post
from core.testing.html import texts as by_css


def toasts(html: str) -> list[str]:
    return by_css(html, "#flash .toast-success")


def header_messages(resp) -> list[str]:
    raw = resp.headers.get("HX-Trigger-After-Settle")
    return json.loads(raw)["jiceng:toast"]["messages"] if raw else []


@pytest.fixture
def admin(client, create_tenant, create_user, enable_plugin):
    street = create_tenant()
    enable_plugin(street, "grid")
    account = create_user(street, "tenant_admin")
    login(client, account)
    return street, account


def test_a_redirect_lands_on_a_page_that_says_what_was_done_once(client, admin):
    street, _ = admin
    done = post(client, f"/t/{street.slug}/org/{street.root_id}/rename", {"name": "东街街道办事处"})
    assert done.status_code == HTTPStatus.SEE_OTHER
    page = client.get(done.headers["Location"])
    assert toasts(page.text) == ["已改名为“东街街道办事处”"]
    assert toasts(client.get(done.headers["Location"]).text) == []


def test_an_htmx_answer_that_swaps_a_fragment_carries_the_message_in_a_header(client, admin):
    street, _ = admin
    resp = post(client, f"/t/{street.slug}/admin/modules/grid/disable", headers=htmx(target="module-grid"))
    assert resp.status_code == HTTPStatus.OK and "<html" not in resp.text
    assert header_messages(resp) == ["已停用“网格化管理”，数据已保留"]
    assert resp.headers["HX-Trigger-After-Settle"].isascii()  # a header cannot carry Chinese as it is
    assert toasts(client.get(f"/t/{street.slug}/admin/modules/").text) == []  # said once, not again


def test_a_boosted_page_draws_the_message_itself(client, admin):
    street, _ = admin
    done = post(client, f"/t/{street.slug}/org/{street.root_id}/rename", {"name": "西街"}, headers=htmx(boosted=True))
    page = client.get(done.headers["Location"], headers=htmx(boosted=True))
    assert toasts(page.text) == ["已改名为“西街”"] and "HX-Trigger-After-Settle" not in page.headers


def test_a_refused_form_says_nothing_went_well(client, admin):
    street, _ = admin
    refused = post(client, f"/t/{street.slug}/org/{street.root_id}/rename", {"name": ""})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and toasts(refused.text) == []
    assert toasts(client.get(f"/t/{street.slug}/org/").text) == []


@pytest.mark.parametrize(("action", "expected"), [
    ("child", "已添加“幸福社区”"),
    ("person", "已登记“李秀英”"),
    ("grant", "已授予角色"),
    ("sign_out_user", "已在所有设备上退出登录"),
    ("read_all", "已全部标为已读"),
    ("settings", "已保存“网格化管理”的设置"),
    ("calendar", "已保存 2026-10-10 的调整"),
    ("password", "密码已修改，其他设备上的登录已失效"),
], ids=lambda v: v if v.isascii() else "")
def test_core_actions_say_what_they_did_in_chinese(client, admin, create_user, action, expected):
    street, account = admin
    base = f"/t/{street.slug}"
    if action == "child":
        done = post(client, f"{base}/org/{street.root_id}/children", {"kind": "community", "code": "XF", "name": "幸福社区"})
    elif action == "person":
        done = post(client, f"{base}/people/", {"name": "李秀英", "org_unit_id": street.root_id})
    elif action == "grant":
        other = create_user(street, None)
        done = post(client, f"{base}/admin/grants", {"user_id": other.id, "role": "grid_worker",
                                                    "org_unit_id": street.root_id})
    elif action == "sign_out_user":
        done = post(client, f"{base}/admin/users/{create_user(street, 'grid_worker').id}/sign-out")
    elif action == "read_all":
        done = post(client, f"{base}/inbox/read-all")
    elif action == "settings":
        done = post(client, f"{base}/admin/modules/grid/settings", {})
    elif action == "calendar":
        done = post(client, f"{base}/admin/calendar/", {"day": "2026-10-10", "day_type": "holiday", "reason": "社区活动"})
    else:
        done = post(client, "/account/password", {"current_password": account.password,
                                                  "password": "a much longer new passphrase 2026"})
    if done.status_code == HTTPStatus.SEE_OTHER:
        page = client.get(done.headers["Location"])
    else:
        page = done
    assert page.status_code == HTTPStatus.OK, page.text[:300]
    assert expected in " ".join(toasts(page.text)), action
