"""Wrong TOTP codes are limited per pending sign-in (then the password again) and per account
(then a pause, and the owner is told), and every wrong code is audited."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from core import clock
from core.audit.models import PlatformAudit
from core.auth.models import UserAccount
from core.auth.totp import new_secret, now_code
from core.testing.factories import csrf_token, post


@pytest.fixture
def enrolled(app, create_tenant, create_user):
    street = create_tenant()
    account = create_user(street, "street_staff")
    secret = new_secret()
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test: enrol TOTP") as session:
        user = session.get(UserAccount, account.id)
        user.totp_secret, user.totp_enabled = secret, True
    yield street, account, secret
    clock.reset()


def _password_step(app, account):
    browser = app.test_client()
    resp = browser.post("/login", data={"username": account.username, "password": account.password,
                                        "csrf_token": csrf_token(browser)})
    assert resp.headers["Location"] == "/login/totp"
    return browser


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _audits(app, action, user_id):
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test: read platform audit") as session:
        return session.scalar(select(func.count()).select_from(PlatformAudit).where(
            PlatformAudit.action == action, PlatformAudit.detail["user_id"].as_integer() == user_id))


def test_five_wrong_codes_end_the_pending_sign_in(app, enrolled):
    street, account, secret = enrolled
    browser = _password_step(app, account)
    wrong = _wrong(now_code(secret))
    for _ in range(4):
        assert post(browser, "/login/totp", {"code": wrong}).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    resp = post(browser, "/login/totp", {"code": wrong})
    assert resp.status_code == HTTPStatus.TOO_MANY_REQUESTS and "请重新输入密码" in resp.text
    assert browser.get("/login/totp").headers["Location"] == "/login", "the pending sign-in is gone"
    assert post(browser, "/login/totp", {"code": now_code(secret)}).headers["Location"] == "/login"
    assert browser.get(f"/t/{street.slug}/").status_code == HTTPStatus.SEE_OTHER
    assert _audits(app, "auth.totp_failed", account.id) == 5
    assert _audits(app, "auth.totp_restart", account.id) == 1


def test_the_account_pauses_after_ten_wrong_codes_and_its_owner_is_told(app, enrolled):
    street, account, secret = enrolled
    wrong = _wrong(now_code(secret))
    statuses = []
    for _round in range(3):  # an attacker who knows the password restarts the sign-in each time
        browser = _password_step(app, account)
        for _ in range(5):
            statuses.append(post(browser, "/login/totp", {"code": wrong}).status_code)
            if statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS:
                break
    assert statuses.count(HTTPStatus.UNPROCESSABLE_ENTITY) == 8, "4 + 4 guesses, then the 10th wrong code locks"
    browser = _password_step(app, account)
    clock.travel(31)
    resp = post(browser, "/login/totp", {"code": now_code(secret)})
    assert resp.status_code == HTTPStatus.TOO_MANY_REQUESTS, "even the right code waits out the pause"
    assert resp.headers["Retry-After"] == "900"
    assert _audits(app, "auth.totp_locked", account.id) == 1
    clock.travel(15 * 60)
    owner = _password_step(app, account)
    assert post(owner, "/login/totp", {"code": now_code(secret)}).status_code == HTTPStatus.SEE_OTHER
    inbox = owner.get(f"/t/{street.slug}/inbox").text
    assert "多次输错了验证码" in inbox


def test_a_hundred_fast_guesses_get_nowhere(app, enrolled):
    """The probe sent 900 codes at ~100 a second; now at most ten are ever checked per window."""
    street, account, secret = enrolled
    checked = 0
    for _ in range(20):
        browser = _password_step(app, account)
        for _ in range(5):
            status = post(browser, "/login/totp", {"code": "000000"}).status_code
            checked += status == HTTPStatus.UNPROCESSABLE_ENTITY
            if status == HTTPStatus.TOO_MANY_REQUESTS:
                break
    assert checked <= 10
