"""Drill: the SQLite file cannot be written — opened read-only, or the disk is full. A form's write
answers a clear 503 page (nothing was saved, tell the administrator) in the person's language, the
cause is logged, /readyz reports it, reading still works, and not one row changed."""
from __future__ import annotations

import html
import logging
import re
import sqlite3

import pytest
from sqlalchemy import event

from core.testing import build_app
from core.testing.factories import login, post

from .conftest import event_form


@pytest.fixture
def street_copy(database, make_street, app, tmp_path):
    """A street with a clerk, in a packed copy of the test database (``VACUUM INTO``: no free pages, so
    any insert must grow the file); two signed-in sessions, one in Chinese and one in English."""
    if not database["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("a SQLite drill: runs in the SQLite pass")
    street = make_street(volunteers=0)
    source = database["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    copy = tmp_path / "copy.db"
    conn = sqlite3.connect(source)
    conn.execute("VACUUM INTO ?", (str(copy),))
    conn.close()
    writable = build_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}", "MIGRATE_DATABASE_URL": f"sqlite:///{copy}"})
    cookies = {}
    for lang in ("zh", "en"):
        client = writable.test_client()
        login(client, street.clerk)
        if lang == "en":
            assert post(client, "/lang", {"lang": "en"}).status_code == 303
        cookies[lang] = client.get_cookie(writable.config["SESSION_COOKIE_NAME"]).value
    with writable.app_context():
        from core.db import db
        db.engine.dispose()
    return street, copy, cookies


def served(url: str, cookie: str, on_connect=None):
    """The app on ``url`` as in production (errors as pages, not raised), a client carrying ``cookie``."""
    served_app = build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url})
    served_app.testing = False
    if on_connect is not None:
        with served_app.app_context():
            from core.db import db
            event.listen(db.engine, "connect", on_connect)
            db.engine.dispose()  # every connection from now on is made with it
    client = served_app.test_client()
    client.set_cookie(served_app.config["SESSION_COOKIE_NAME"], cookie)
    return served_app, client


def row_counts(path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def attempt_a_report(served_app, client, street, copy, caplog, words: list[str], english: str, cookie_en):
    slug = street.tenant.slug
    assert client.get(f"/t/{slug}/grid/").status_code == 200  # reading still works
    before = row_counts(copy)
    # a long description: its text alone needs pages the packed file does not have
    form = {**event_form(street, "楼道堆物"), "description": "堆放杂物" * 500}
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        resp = post(client, f"/t/{slug}/grid/", form)
    assert resp.status_code == 503, resp.text[:800]
    page = resp.text
    for said in ["数据未能保存", *words, "本次操作没有做任何更改", "请联系系统管理员"]:
        assert said in page
    assert "Traceback" not in page and "500" not in re.sub(r"<[^>]+>", "", page).split("请求编号")[0]
    assert row_counts(copy) == before  # not one row written, in any table
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and "refused the write" in r.getMessage()]
    assert logged and any(w in logged[0].getMessage() for w in ("readonly", "disk is full"))

    other = served_app.test_client()  # the same, for a person who chose English
    other.set_cookie(served_app.config["SESSION_COOKIE_NAME"], cookie_en)
    resp = post(other, f"/t/{slug}/grid/", form)
    assert resp.status_code == 503 and '<html lang="en">' in resp.text
    from flask_babel import force_locale, gettext
    with served_app.test_request_context(), force_locale("en"):  # the English catalogue's words for them
        expected = [gettext("数据未能保存"), gettext(english)]
    for said in expected:
        assert html.unescape(said) in html.unescape(resp.text), resp.text[:3000]
    assert row_counts(copy) == before

    ready = served_app.test_client().get("/readyz")
    assert ready.status_code == 503
    return ready.get_json()


def test_a_read_only_database_file_answers_a_clear_page_and_changes_nothing(street_copy, caplog):
    street, copy, cookies = street_copy
    # tests run as root, for whom a chmod changes nothing: the server opens the file read-only instead
    served_app, client = served(f"sqlite:///file:{copy}?mode=ro&uri=true", cookies["zh"])
    body = attempt_a_report(served_app, client, street, copy, caplog, ["只读"], "数据库文件处于只读状态", cookies["en"])
    assert body["database"] == "read-only" and "read-only" in body["status"]


def test_a_full_disk_answers_a_clear_page_and_changes_nothing(street_copy, caplog):
    street, copy, cookies = street_copy

    def cannot_grow(dbapi_conn, _record):  # the file may not grow by one page: as a full disk, to SQLite
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")
    served_app, client = served(f"sqlite:///{copy}", cookies["zh"], on_connect=cannot_grow)
    body = attempt_a_report(served_app, client, street, copy, caplog, ["磁盘空间已满"], "服务器磁盘空间已满", cookies["en"])
    assert body["database"] == "full" and "full" in body["status"]
