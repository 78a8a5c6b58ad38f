"""Sign-in, throttling, sessions that really end, timeouts, TOTP."""
from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from core import clock
from core.testing.factories import csrf_token, login, post
from core.testing.html import select, text_of


@pytest.fixture
def street(create_tenant):
    return create_tenant()


@pytest.fixture
def staff(create_user, street):
    return create_user(street, "street_staff")


def test_sign_in_lands_on_the_street_dashboard(client, staff, street):
    login(client, staff)
    resp = client.get("/", follow_redirects=True)
    assert resp.status_code == HTTPStatus.OK
    assert resp.request.path == f"/t/{street.slug}/"


def test_wrong_password_says_so_and_signs_nobody_in(client, staff, street):
    resp = client.post("/login", data={"username": staff.username, "password": "wrong password!",
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "账号或密码不正确" in resp.text
    assert client.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER


def test_unknown_user_gets_the_same_message(client):
    resp = client.post("/login", data={"username": "nobody-here", "password": "whatever123",
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "账号或密码不正确" in resp.text


def test_too_many_failures_lock_the_account_with_a_clear_message(client, staff):
    for _ in range(5):
        client.post("/login", data={"username": staff.username, "password": "bad-password",
                                    "csrf_token": csrf_token(client)})
    resp = client.post("/login", data={"username": staff.username, "password": staff.password,
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "登录失败次数过多" in resp.text


def test_address_limit_is_high_so_a_shared_office_keeps_working(app, client, create_user, street):
    """Ten colleagues behind one NAT address each mistype once: nobody is locked out."""
    users = [create_user(street, "street_staff") for _ in range(10)]
    for user in users:
        client.post("/login", data={"username": user.username, "password": "typo-password",
                                    "csrf_token": csrf_token(client)})
    login(client, users[0])


def test_the_address_limit_applies_across_accounts(app, database, create_user, street):
    from core.testing import build_app
    strict = build_app(database, LOGIN_MAX_FAILURES_ADDRESS=3)
    c = strict.test_client()
    for i in range(3):
        c.post("/login", data={"username": f"guess{i}", "password": "x" * 9, "csrf_token": csrf_token(c)},
               environ_base={"REMOTE_ADDR": "10.9.9.9"})
    user = create_user(street, "street_staff")
    resp = c.post("/login", data={"username": user.username, "password": user.password, "csrf_token": csrf_token(c)},
                  environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert resp.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_logout_kills_the_captured_cookie(app, client, staff, street):
    login(client, staff)
    stolen = client.get_cookie("jiceng").value
    post(client, "/logout")
    thief = app.test_client()
    thief.set_cookie("jiceng", stolen)
    assert thief.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER


def test_sign_out_everywhere_ends_every_session(app, staff, street):
    first, second = app.test_client(), app.test_client()
    login(first, staff)
    login(second, staff)
    assert post(first, "/account/sign-out-everywhere").status_code == HTTPStatus.SEE_OTHER
    assert second.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER


def test_admin_sign_out_ends_the_users_sessions(app, create_user, staff, street):
    admin = create_user(street, "tenant_admin")
    victim = app.test_client()
    login(victim, staff)
    boss = app.test_client()
    login(boss, admin)
    assert post(boss, f"/t/{street.slug}/admin/users/{staff.id}/sign-out").status_code == HTTPStatus.SEE_OTHER
    assert victim.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER


def test_session_id_changes_at_login(app, client, staff):
    client.get("/login")
    before = client.get_cookie("jiceng")
    login(client, staff)
    assert client.get_cookie("jiceng").value != (before.value if before else None)


def test_idle_and_absolute_timeouts_end_the_session(app, client, staff, street):
    login(client, staff)
    try:
        clock.travel(31 * 60)
        assert client.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER
        login(client, staff)
        for _ in range(25):  # active every 29 minutes, but never past 12 hours
            clock.travel(29 * 60)
            client.get(f"/t/{street.slug}/")
        assert client.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER
    finally:
        clock.reset()


def test_htmx_request_after_expiry_is_redirected_not_swapped(client, street):
    resp = client.get(f"/t/{street.slug}/org/", headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNAUTHORIZED
    assert resp.headers["HX-Redirect"].startswith("/login")


def test_passwords_are_argon2id(app, staff):
    from core.auth import credentials
    with app.app_context():
        stored = credentials.of(staff.id).password_hash
    assert stored.startswith("$argon2id$")


def test_production_parameters_meet_owasp(app):
    from core.auth.passwords import _hasher
    hasher = _hasher(False)
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (2, 19 * 1024, 1)


@pytest.mark.parametrize("password,ok", [("short", False), ("password1", False), ("一句好记的中文密码", True),
                                         ("x" * 64, True), ("correct horse battery", True)])
def test_password_policy(app, password, ok):
    from core.auth.passwords import password_problem
    with app.test_request_context():
        assert (password_problem(password) is None) == ok


def test_one_time_password_must_be_changed(app, client, create_user, street):
    admin = create_user(street, "tenant_admin")
    login(client, admin)
    resp = post(client, f"/t/{street.slug}/admin/users", {"username": "new-clerk", "display_name": "受理员甲01"})
    assert resp.status_code == HTTPStatus.CREATED
    otp = text_of(resp.text, "#one-time-password code")
    fresh = app.test_client()
    resp = fresh.post("/login", data={"username": "new-clerk", "password": otp, "csrf_token": csrf_token(fresh)})
    assert resp.headers["Location"] == "/account/password"


def test_totp_enrolment_and_second_step(app, client, staff, street):
    from core.auth.totp import now_code
    login(client, staff)
    client.get("/account/totp")
    with client.session_transaction() as sess:
        secret = sess["totp_secret"]
    resp = post(client, "/account/totp", {"code": now_code(secret)})
    assert resp.status_code == HTTPStatus.OK and "恢复码" in resp.text
    recovery = [code.get_text() for code in select(resp.text, "#main li > code")]
    assert len(recovery) == 8 and all(re.fullmatch(r"[0-9a-f]{10}", code) for code in recovery)
    other = app.test_client()
    resp = other.post("/login", data={"username": staff.username, "password": staff.password,
                                      "csrf_token": csrf_token(other)})
    assert resp.headers["Location"] == "/login/totp"
    assert other.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER, "password alone is not enough"
    try:
        clock.travel(31)  # the next step: the code used at enrolment cannot be replayed
        code = now_code(secret)
        assert post(other, "/login/totp", {"code": code}).status_code == HTTPStatus.SEE_OTHER
        assert other.get(f"/t/{street.slug}/").status_code == HTTPStatus.OK
        replay = app.test_client()
        replay.post("/login", data={"username": staff.username, "password": staff.password, "csrf_token": csrf_token(replay)})
        assert post(replay, "/login/totp", {"code": code}).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert post(replay, "/login/totp", {"code": recovery[0]}).status_code == HTTPStatus.SEE_OTHER
        again = app.test_client()
        again.post("/login", data={"username": staff.username, "password": staff.password, "csrf_token": csrf_token(again)})
        assert post(again, "/login/totp", {"code": recovery[0]}).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    finally:
        clock.reset()


def test_admin_grant_is_inert_without_totp_when_production_requires_it(app, database, create_user, street):
    from core.testing import build_app
    strict = build_app(database, REQUIRE_ADMIN_TOTP=True)
    admin = create_user(street, "tenant_admin")
    c = strict.test_client()
    login(c, admin)
    assert c.get(f"/t/{street.slug}/admin/users").status_code == HTTPStatus.FORBIDDEN


def test_sensitive_actions_ask_for_the_password_again_after_five_minutes(app, client, create_user, street):
    admin = create_user(street, "tenant_admin")
    worker = create_user(street, None)
    login(client, admin)
    grant = {"user_id": worker.id, "role": "grid_worker", "org_unit_id": street.root_id}
    try:
        clock.travel(6 * 60)
        resp = post(client, f"/t/{street.slug}/admin/grants", grant,
                    headers={"Referer": f"http://localhost/t/{street.slug}/admin/users"})
        assert resp.status_code == HTTPStatus.SEE_OTHER and resp.headers["Location"].startswith("/account/confirm")
        assert post(client, "/account/confirm", {"password": "wrong password!", "next": "/"}).status_code == 422
        back = post(client, "/account/confirm", {"password": admin.password, "next": f"/t/{street.slug}/admin/users"})
        assert back.headers["Location"] == f"/t/{street.slug}/admin/users"
        assert post(client, f"/t/{street.slug}/admin/grants", grant).headers["Location"] == f"/t/{street.slug}/admin/users"
    finally:
        clock.reset()
