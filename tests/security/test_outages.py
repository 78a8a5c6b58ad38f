"""When the database cannot be reached, people get "try again later" (503 with Retry-After, the
Chinese error page), not a server error. A second app is pointed at a database that is not there:
an SQLite file in a missing folder, and PostgreSQL on a closed local port."""
from __future__ import annotations

import socket
from http import HTTPStatus

import pytest

from core.testing import build_app
from core.testing.factories import csrf_token, login

UNAVAILABLE = "系统暂时无法使用，请稍后再试"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def down_app(request, tmp_path_factory):
    """The app on a database that does not answer; building it needs no database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('outage')}/no-such-folder/jiceng.db"
        yield build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url})
        return
    with socket.socket() as held:  # bound but never listening: connections are refused at once
        held.bind(("127.0.0.1", 0))
        url = f"postgresql+psycopg://jiceng_app@127.0.0.1:{held.getsockname()[1]}/jiceng"
        yield build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url})


def assert_unavailable(resp):
    assert resp.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert resp.headers["Retry-After"] == "30"


def test_a_resident_opening_the_report_page_is_asked_to_come_back(down_app):
    resp = down_app.test_client().get("/t/some-street/grid/report")
    assert_unavailable(resp)
    assert resp.mimetype == "text/html" and UNAVAILABLE in resp.text and "请求编号" in resp.text


def test_signing_in_is_answered_with_try_again_later(down_app):
    client = down_app.test_client()
    resp = client.post("/login", data={"username": "wang", "password": "correct horse battery",
                                       "csrf_token": csrf_token(client)})
    assert_unavailable(resp)
    assert UNAVAILABLE in resp.text


def test_signed_in_staff_get_the_page_a_fragment_or_json(app, down_app, create_tenant, create_user):
    street = create_tenant()
    working = app.test_client()
    login(working, create_user(street, "tenant_admin"))
    name = app.config["SESSION_COOKIE_NAME"]
    client = down_app.test_client()
    client.set_cookie(name, working.get_cookie(name).value)  # the same signed cookie, the database gone
    page = client.get(f"/t/{street.slug}/org/")
    assert_unavailable(page)
    assert UNAVAILABLE in page.text and "<html" in page.text
    fragment = client.get(f"/t/{street.slug}/org/", headers={"HX-Request": "true"})
    assert_unavailable(fragment)
    assert UNAVAILABLE in fragment.text and "<html" not in fragment.text
    machine = client.get(f"/t/{street.slug}/org/", headers={"Accept": "application/json"})
    assert_unavailable(machine)
    assert machine.json["error"]["message"] == UNAVAILABLE
