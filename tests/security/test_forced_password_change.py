"""After signing in with a one-time password, nothing but the change form and sign-out opens."""
from __future__ import annotations

from http import HTTPStatus

import pytest

from core.testing.factories import csrf_token, login, post
from core.testing.html import text_of


@pytest.fixture
def signed_in_with_otp(app, create_tenant, create_user):
    street = create_tenant()
    admin = app.test_client()
    login(admin, create_user(street, "tenant_admin"))
    worker = create_user(street, "grid_worker")
    resp = post(admin, f"/t/{street.slug}/admin/users/{worker.id}/reset-password")
    otp = text_of(resp.text, "#one-time-password code")
    browser = app.test_client()
    resp = browser.post("/login", data={"username": worker.username, "password": otp, "csrf_token": csrf_token(browser)})
    assert resp.headers["Location"] == "/account/password"
    return street, browser, otp


def test_every_page_leads_to_the_change_form(signed_in_with_otp):
    street, browser, _otp = signed_in_with_otp
    for url in (f"/t/{street.slug}/", f"/t/{street.slug}/org/", f"/t/{street.slug}/inbox", "/account", "/"):
        resp = browser.get(url)
        assert resp.status_code == HTTPStatus.SEE_OTHER and resp.headers["Location"] == "/account/password", url
    resp = browser.get(f"/t/{street.slug}/org/", headers={"HX-Request": "true"})
    assert resp.headers["HX-Redirect"] == "/account/password"
    resp = post(browser, "/account/sign-out-everywhere")
    assert resp.headers["Location"] == "/account/password", "no other account action either"
    assert browser.get("/account/password").status_code == HTTPStatus.OK


def test_after_the_change_the_pages_open(signed_in_with_otp):
    street, browser, otp = signed_in_with_otp
    resp = post(browser, "/account/password", {"current_password": otp, "password": "新的好记的密码2026"})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    assert browser.get(f"/t/{street.slug}/").status_code == HTTPStatus.OK


def test_sign_out_still_works(signed_in_with_otp):
    street, browser, _otp = signed_in_with_otp
    assert post(browser, "/logout").headers["Location"] == "/login"
    assert browser.get(f"/t/{street.slug}/").headers["Location"].startswith("/login")
