"""Tenant admins manage accounts from pages: bulk import, one-time passwords, grants."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import select

from core.auth.models import UserAccount
from core.db import db
from core.testing.factories import csrf_token, login, post, xlsx as sheet
from core.testing.html import parse


@pytest.fixture
def street(create_tenant, create_unit):
    street = create_tenant()
    community = create_unit(street, street.root_id, "community", "幸福社区")
    grid = create_unit(street, community.id, "grid", "第一网格", grid_type="residential")
    return street, grid


def usernames(app, prefix):
    with app.app_context():
        return set(db.session.scalars(select(UserAccount.username).where(UserAccount.username.startswith(prefix))))


def test_import_creates_accounts_with_one_time_passwords_and_roles(app, client, create_user, street):
    street, grid = street
    login(client, create_user(street, "tenant_admin"))
    data = sheet([["用户名", "姓名", "角色", "节点编码"], [f"imp-a-{street.id}", "王甲01", "网格员", grid.code],
                  [f"imp-b-{street.id}", "李乙02", "community_staff", ""]])
    resp = post(client, f"/t/{street.slug}/admin/users/import", {"file": (data, "users.xlsx")},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.OK and "已创建 2 个账号" in resp.text
    shown = {tr.select_one("td:nth-of-type(1)").get_text(): tr.select_one("td:nth-of-type(2) > code").get_text()
             for tr in parse(resp.text).select("#import-report tbody > tr")}
    otp = shown[f"imp-a-{street.id}"]
    worker = app.test_client()
    worker.post("/login", data={"username": f"imp-a-{street.id}", "password": otp, "csrf_token": csrf_token(worker)})
    post(worker, "/account/password", {"current_password": otp, "password": "新的好记的密码2026"})
    page = worker.get(f"/t/{street.slug}/org/")
    assert page.status_code == HTTPStatus.OK, "the grid worker role was granted"


def test_one_bad_row_imports_nothing(app, client, create_user, street):
    street, _grid = street
    login(client, create_user(street, "tenant_admin"))
    data = sheet([["用户名", "姓名", "角色", "节点编码"], [f"imp-c-{street.id}", "王甲01", "网格员", ""],
                  [f"imp-d-{street.id}", "李乙02", "宇航员", ""]])
    resp = post(client, f"/t/{street.slug}/admin/users/import", {"file": (data, "users.xlsx")},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "没有角色“宇航员”" in resp.text
    assert usernames(app, f"imp-c-{street.id}") == set()


def test_the_cli_import_is_all_or_nothing_too(app, street, tmp_path):
    street, grid = street
    path = tmp_path / "users.xlsx"
    path.write_bytes(sheet([["用户名", "姓名", "角色", "节点编码"], [f"cli-a-{street.id}", "王甲01", "网格员", grid.code]]).read())
    result = app.test_cli_runner().invoke(args=["users", "import", str(path), "--tenant", street.slug])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"cli-a-{street.id}\t")
    assert usernames(app, f"cli-a-{street.id}") == {f"cli-a-{street.id}"}


def test_a_username_that_exists_is_refused(app, client, create_user, street):
    street, _grid = street
    admin = create_user(street, "tenant_admin")
    login(client, admin)
    resp = post(client, f"/t/{street.slug}/admin/users", {"username": admin.username, "display_name": "重名"},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "用户名已存在" in resp.text


def test_reset_password_issues_a_one_time_password_and_ends_sessions(app, client, create_user, street):
    street, _grid = street
    victim = create_user(street, "grid_worker")
    their_browser = app.test_client()
    login(their_browser, victim)
    login(client, create_user(street, "tenant_admin"))
    resp = post(client, f"/t/{street.slug}/admin/users/{victim.id}/reset-password")
    assert "一次性密码" in resp.text
    assert their_browser.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER


def test_switching_between_tenants_of_one_account(app, client, create_tenant, create_user):
    district = create_tenant("district")
    street = create_tenant("street", parent=district)
    account = create_user(district, "tenant_admin")
    from core.auth.services import ensure_membership
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test") as session:
        ensure_membership(account.id, street.id, session)
    login(client, account)
    page = client.get(f"/t/{district.slug}/").text
    assert "切换单位" in page and f"/switcher?current={district.slug}" in page
    listed = client.get(f"/switcher?current={district.slug}").text  # fetched when the switcher is opened
    assert f'href="/t/{street.slug}/"' in listed and f'href="/t/{district.slug}/" hx-boost="false" aria-current="page"' in listed
    assert client.get(f"/t/{street.slug}/").status_code == HTTPStatus.FORBIDDEN  # member without a role there


def test_platform_admin_creates_renames_and_suspends_a_street(app, client, create_tenant, create_user):
    district = create_tenant("district")
    login(client, create_user(None, platform_admin=True))
    slug = f"new-street-{district.id}"
    resp = post(client, "/platform/tenants", {"slug": slug, "name": "新街道", "kind": "street", "parent": district.slug})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    again = post(client, "/platform/tenants", {"slug": slug, "name": "重复", "kind": "street", "parent": ""})
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "已被使用" in again.text
    from core.tenancy.models import Tenant
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
    post(client, f"/platform/tenants/{tenant.id}", {"name": "改名街道", "status": "suspended"})
    with app.app_context():
        tenant = db.session.get(Tenant, tenant.id)
        assert (tenant.name, tenant.status, tenant.parent_id) == ("改名街道", "suspended", district.id)


def test_platform_pages_are_invisible_to_tenant_admins(client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "tenant_admin"))
    assert client.get("/platform/tenants").status_code == HTTPStatus.NOT_FOUND
