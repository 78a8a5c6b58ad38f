"""A street admin cannot take over an account that also works elsewhere (district admin, a colleague
in another street, a platform admin): such accounts are listed but not offered, and every user-admin
action on them is refused and changes nothing."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from core.auth.models import RoleGrant, UserAccount, UserSession
from core.testing.factories import login, post
from core.testing.html import text_of


@pytest.fixture
def district(app, create_tenant, create_user):
    """District D over streets A and B; D's admin is also a member of A and B (as in the demo)."""
    from core.auth.services import ensure_membership
    from core.tenancy.scopes import system_scope
    d = create_tenant("district")
    a = create_tenant("street", parent=d)
    b = create_tenant("street", parent=d)
    admin_d = create_user(d, "tenant_admin")
    admin_a = create_user(a, "tenant_admin")
    colleague = create_user(b, "grid_worker")  # works in B, helps out in A
    platform = create_user(a, "street_staff", platform_admin=True)
    local = create_user(a, "grid_worker")
    with app.app_context(), system_scope("test: memberships across tenants") as session:
        for user, tenant in ((admin_d, a), (admin_d, b), (colleague, a)):
            ensure_membership(user.id, tenant.id, session)
    grant_in_a = _grant(app, create_user, a, colleague)
    return {"d": d, "a": a, "b": b, "admin_d": admin_d, "admin_a": admin_a, "colleague": colleague,
            "platform": platform, "local": local, "colleague_grant": grant_in_a}


def _grant(app, create_user, tenant, account):
    from core.auth.models import Role
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test: grant") as session:
        role = session.scalars(select(Role).where(Role.tenant_id == tenant.id, Role.code == "grid_worker")).one()
        row = RoleGrant(tenant_id=tenant.id, user_id=account.id, role_id=role.id, org_unit_id=tenant.root_id)
        session.add(row)
        session.flush()
        return row.id


def _state(app, user_id):
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test: read account state") as session:
        password_hash, must_change = session.execute(select(UserAccount.password_hash, UserAccount.must_change_password)
                                                     .where(UserAccount.id == user_id)).one()
        return (password_hash, must_change,
                session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)),
                session.scalar(select(func.count()).select_from(RoleGrant).where(RoleGrant.user_id == user_id)))


def _actions(w, target):
    a = w["a"].slug
    grant_id = w["colleague_grant"]
    yield "reset-password", f"/t/{a}/admin/users/{target.id}/reset-password", {}
    yield "sign-out", f"/t/{a}/admin/users/{target.id}/sign-out", {}
    yield "grant", f"/t/{a}/admin/grants", {"user_id": target.id, "role": "street_staff", "org_unit_id": w["a"].root_id}
    if target is w["colleague"]:
        yield "revoke-grant", f"/t/{a}/admin/grants/{grant_id}/revoke", {}


@pytest.mark.parametrize("who", ["admin_d", "colleague", "platform"])
def test_every_user_admin_action_on_an_account_beyond_the_street_is_refused(app, district, who):
    w = district
    target = w[who]
    victim_browser = app.test_client()
    login(victim_browser, target)
    admin = app.test_client()
    login(admin, w["admin_a"])  # a fresh sign-in: the step-up check passes
    before = _state(app, target.id)
    for name, url, data in _actions(w, target):
        resp = post(admin, url, data)
        assert resp.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.UNPROCESSABLE_ENTITY), (name, resp.status_code)
        assert "其他单位任职" in resp.text, name
        assert _state(app, target.id) == before, f"{name} changed the account"
    assert victim_browser.get("/account").status_code == HTTPStatus.OK, "their sessions survive"


def test_the_reset_password_takeover_path_is_closed(app, district):
    """The probe's path: reset the district admin's password from a street, sign in with it."""
    w = district
    admin = app.test_client()
    login(admin, w["admin_a"])
    resp = post(admin, f"/t/{w['a'].slug}/admin/users/{w['admin_d'].id}/reset-password")
    assert resp.status_code == HTTPStatus.FORBIDDEN
    assert 'id="one-time-password"' not in resp.text


def test_such_accounts_are_listed_without_actions_and_not_offered_for_grants(app, district):
    w = district
    admin = app.test_client()
    login(admin, w["admin_a"])
    page = admin.get(f"/t/{w['a'].slug}/admin/users").text
    for who in ("admin_d", "colleague", "platform"):
        uid = w[who].id
        assert f"/admin/users/{uid}/reset-password" not in page and f"/admin/users/{uid}/sign-out" not in page, who
        assert f'<option value="{uid}"' not in page, who
        assert "由上级单位或平台管理员管理" in text_of(page, f'tr[data-user="{w[who].username}"]'), who
    assert f"/admin/grants/{w['colleague_grant']}/revoke" not in page
    assert f"/admin/users/{w['local'].id}/reset-password" in page, "a street-only account stays manageable"


def test_a_street_only_account_can_still_be_reset(app, district):
    w = district
    admin = app.test_client()
    login(admin, w["admin_a"])
    resp = post(admin, f"/t/{w['a'].slug}/admin/users/{w['local'].id}/reset-password")
    assert resp.status_code == HTTPStatus.OK and 'id="one-time-password"' in resp.text


def test_the_district_admin_manages_accounts_of_its_own_streets(app, district):
    """An account in A and B lies within D's scope (D and its streets), so D's admin may reset it."""
    from core.auth.services import ensure_membership
    from core.tenancy.scopes import system_scope
    w = district
    with app.app_context(), system_scope("test: membership in the district") as session:
        ensure_membership(w["colleague"].id, w["d"].id, session)
    admin = app.test_client()
    login(admin, w["admin_d"])
    resp = post(admin, f"/t/{w['d'].slug}/admin/users/{w['colleague'].id}/reset-password")
    assert resp.status_code == HTTPStatus.OK and 'id="one-time-password"' in resp.text
    resp = post(admin, f"/t/{w['d'].slug}/admin/users/{w['platform'].id}/reset-password")
    assert resp.status_code == HTTPStatus.NOT_FOUND, "not a member of the district"


def test_a_refusal_is_audited(app, district):
    from core.audit.models import AuditLog
    from core.tenancy.scopes import system_scope
    w = district
    admin = app.test_client()
    login(admin, w["admin_a"])
    post(admin, f"/t/{w['a'].slug}/admin/users/{w['admin_d'].id}/sign-out")
    with app.app_context(), system_scope("test: read audit") as session:
        row = session.scalars(select(AuditLog).where(AuditLog.tenant_id == w["a"].id,
                                                     AuditLog.action == "user.admin_refused")).one()
    assert row.object_id == str(w["admin_d"].id) and row.outcome == "denied"
