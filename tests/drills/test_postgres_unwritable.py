"""Drill: PostgreSQL refuses writes — the server is read-only (a standby after a failover, or
``default_transaction_read_only`` set while a disk is cleared), or its disk is full. A form's write
answers the same clear 503 page as on SQLite (nothing was saved, tell the administrator), the cause
is logged, reading still works, and not one row changed."""
from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, inspect, text

from core.testing import build_app
from core.testing.factories import login, post

from .conftest import event_form


@pytest.fixture
def pg_street(database, make_street, app):
    if not database["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a PostgreSQL drill: runs in the PostgreSQL pass")
    street = make_street(volunteers=0)
    client = app.test_client()
    login(client, street.clerk)
    return street, client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def served(url: str, owner_url: str, cookie: str):
    served_app = build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": owner_url})
    served_app.testing = False  # errors as pages, as in production
    client = served_app.test_client()
    client.set_cookie(served_app.config["SESSION_COOKIE_NAME"], cookie)
    return served_app, client


def row_counts(owner_url: str) -> dict[str, int]:
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                    for t in inspect(conn).get_table_names()}
    finally:
        engine.dispose()


def refused_report(client, street, owner_url: str, caplog, cause: str, logged_words: tuple[str, ...]) -> None:
    slug = street.tenant.slug
    assert client.get(f"/t/{slug}/grid/").status_code == 200  # reading still works
    before = row_counts(owner_url)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        resp = post(client, f"/t/{slug}/grid/", event_form(street, "楼道堆物"))
    assert resp.status_code == 503, resp.text[:800]
    for said in ("数据未能保存", cause, "本次操作没有做任何更改", "请联系系统管理员"):
        assert said in resp.text
    assert "Traceback" not in resp.text
    assert row_counts(owner_url) == before  # not one row written, in any table
    logged = [r.getMessage() for r in caplog.records if "refused the write" in r.getMessage()]
    assert logged and any(w in logged[0] for w in logged_words), logged


def test_a_read_only_server_answers_a_clear_page_and_changes_nothing(database, pg_street, caplog):
    street, cookie = pg_street
    # every session of this server starts read-only, as on a standby
    url = database["SQLALCHEMY_DATABASE_URI"]
    url += ("&" if "?" in url else "?") + "options=" + quote("-c default_transaction_read_only=on")
    served_app, client = served(url, database["MIGRATE_DATABASE_URL"], cookie)
    refused_report(client, street, database["MIGRATE_DATABASE_URL"], caplog, "数据库当前处于只读状态",
                   ("read-only transaction",))
    ready = served_app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"] == "read-only"


def test_a_full_disk_answers_a_clear_page_and_changes_nothing(database, pg_street, caplog):
    street, cookie = pg_street
    owner = create_engine(database["MIGRATE_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    # the server's own answer when it cannot extend a table's file: SQLSTATE 53100 (disk_full)
    with owner.connect() as conn:
        conn.execute(text("CREATE FUNCTION drill_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
                          "END $$"))
        conn.execute(text("CREATE TRIGGER drill_disk_full BEFORE INSERT ON grid__event "
                          "FOR EACH ROW EXECUTE FUNCTION drill_disk_full()"))
    try:
        _served_app, client = served(database["SQLALCHEMY_DATABASE_URI"], database["MIGRATE_DATABASE_URL"], cookie)
        refused_report(client, street, database["MIGRATE_DATABASE_URL"], caplog, "服务器磁盘空间已满",
                       ("No space left on device",))
    finally:
        with owner.connect() as conn:
            conn.execute(text("DROP TRIGGER drill_disk_full ON grid__event"))
            conn.execute(text("DROP FUNCTION drill_disk_full()"))
        owner.dispose()
