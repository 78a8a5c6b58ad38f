"""Wrong passwords cannot lock a person out: limits apply per (account, address) and per address;
guessing one account from many addresses slows unknown devices down, never the owner's own device,
and the owner finds a warning in the inbox."""
from __future__ import annotations

from http import HTTPStatus

import pytest

from core import clock
from core.testing.factories import csrf_token


@pytest.fixture
def victim(app, create_tenant, create_user):
    street = create_tenant()
    yield street, create_user(street, "street_staff")
    clock.reset()


def _try(client, account, password, ip):
    return client.post("/login", data={"username": account.username, "password": password,
                                       "csrf_token": csrf_token(client)}, environ_base={"REMOTE_ADDR": ip})


def test_failures_from_one_address_do_not_lock_the_owner_elsewhere(app, victim):
    _street, account = victim
    attacker = app.test_client()
    for _ in range(5):
        assert _try(attacker, account, "wrong-password", "203.0.113.9").status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    blocked = _try(attacker, account, account.password, "203.0.113.9")
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS and "登录失败次数过多" in blocked.text
    assert int(blocked.headers["Retry-After"]) == 15 * 60
    owner = app.test_client()
    assert _try(owner, account, account.password, "198.51.100.7").status_code == HTTPStatus.SEE_OTHER


def test_guessing_from_many_addresses_slows_new_devices_but_not_the_owners_phone(app, victim):
    street, account = victim
    phone = app.test_client()
    assert _try(phone, account, account.password, "198.51.100.7").status_code == HTTPStatus.SEE_OTHER
    assert phone.post("/logout", data={"csrf_token": csrf_token(phone)}).status_code == HTTPStatus.SEE_OTHER
    for i in range(12):  # a botnet: one guess per address
        _try(app.test_client(), account, f"guess-{i}-password", f"203.0.113.{i + 1}")
    stranger = app.test_client()
    slowed = _try(stranger, account, account.password, "192.0.2.50")
    assert slowed.status_code == HTTPStatus.TOO_MANY_REQUESTS and "常用的设备" in slowed.text
    assert 0 < int(slowed.headers["Retry-After"]) <= 300
    assert _try(phone, account, account.password, "198.51.100.7").status_code == HTTPStatus.SEE_OTHER, \
        "the right password from a known device goes through at once"
    assert "有人多次用错误的密码尝试登录您的账号" in phone.get(f"/t/{street.slug}/inbox").text


def test_the_slowdown_is_a_wait_not_a_lock(app, victim):
    _street, account = victim
    for i in range(10):
        _try(app.test_client(), account, f"guess-{i}-password", f"203.0.113.{i + 1}")
    newcomer = app.test_client()
    first = _try(newcomer, account, account.password, "192.0.2.60")
    assert first.status_code == HTTPStatus.TOO_MANY_REQUESTS
    clock.travel(int(first.headers["Retry-After"]) + 1)
    assert _try(newcomer, account, account.password, "192.0.2.60").status_code == HTTPStatus.SEE_OTHER


def test_a_forged_device_cookie_is_worth_nothing(app, victim):
    _street, account = victim
    for i in range(12):
        _try(app.test_client(), account, f"guess-{i}-password", f"203.0.113.{i + 1}")
    forger = app.test_client()
    forger.set_cookie("jiceng-device", "eyJ4Ijoi.forged")
    assert _try(forger, account, account.password, "192.0.2.70").status_code == HTTPStatus.TOO_MANY_REQUESTS
