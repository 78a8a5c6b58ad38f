"""A worker keeps who is signed in and what they may do in a tenant, and a change anywhere is seen at
the very next request (core.tenancy.admission): the grant revoked, the membership ended, the account
disabled, the session signed out elsewhere, whichever session or connection of the app wrote it."""
from __future__ import annotations

import logging
import time
from http import HTTPStatus

import pytest
from sqlalchemy import delete, event, select, text, update

from core.testing.factories import login, post

MODULES = "/t/{slug}/admin/modules/"


@pytest.fixture
def statements(app):
    """The SQL each request sends, as the database sees it."""
    from core.db import db
    sent: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)
    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


def _kept(client, slug: str) -> None:
    """Two visits: the first looks everything up and keeps it, the second uses what was kept."""
    for _ in range(2):
        assert client.get(MODULES.format(slug=slug)).status_code == HTTPStatus.OK


def _write(app, stmt, params=None) -> None:
    """A change made apart from the browser's requests: an administrator's session, a job, the CLI."""
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test: a change elsewhere") as session:
        session.execute(stmt, params or {})


def _stamp(app) -> int:
    from core.auth.models import SecurityStamp
    from core.db import db
    with app.app_context():
        value = db.session.scalar(select(SecurityStamp.stamp))
        db.session.rollback()
        return value


# On PostgreSQL a page that only reads sends the question with its first statement and goes on from
# what was kept; whatever it made is dropped when the answer says no, and the request runs again.

@pytest.fixture
def runs(app):
    """Each run of each request: its path, and whether it is a run again from the full lookup."""
    from flask import request, request_started

    from core.web import READMIT
    seen: list[tuple[str, bool]] = []

    def note(_sender, **_extra):
        seen.append((request.path, READMIT in request.environ))
    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def _ran_again(app, path: str) -> list[tuple[str, bool]]:
    """What ``runs`` holds for a request whose kept sign-in lapsed: on PostgreSQL a page that only
    reads went on from it and ran again; on SQLite the question came first and the page ran once."""
    from core.db import db
    with app.app_context():
        pipelined = db.engine.dialect.driver == "psycopg"
    return [(path, False), (path, True)] if pipelined else [(path, False)]


def test_a_kept_sign_in_asks_one_question_instead_of_three(app, client, create_tenant, create_user, statements):
    street = create_tenant()
    login(client, create_user(street))
    statements.clear()
    assert client.get(MODULES.format(slug=street.slug)).status_code == HTTPStatus.OK
    first = [s for s in statements if "role_grant" in s or "user_session" in s or "membership" in s]
    assert len(first) == 3  # the session, the tenant with the membership, the grants
    statements.clear()
    page = client.get(MODULES.format(slug=street.slug))
    assert page.status_code == HTTPStatus.OK and "模块" in page.text
    preamble = [s for s in statements if any(t in s for t in ("role_grant", "user_session", "membership"))]
    from core.db import db
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        assert len(preamble) == 1 and "security_stamp" in preamble[0]  # the one question
    else:  # asked on the driver (jiceng_admission), not through SQLAlchemy: tests/core/tenancy/test_round_trips.py
        assert preamble == []  # counts it on the wire, the whole page in one round trip


def test_a_revoked_grant_refuses_the_next_request(app, client, create_tenant, create_user, runs):
    """On PostgreSQL the modules page went on under the grant the worker kept and read the tenant's
    modules; the answer said the grant is gone, and the page was refused from the full lookup."""
    from core.auth.models import RoleGrant
    street = create_tenant()
    account = create_user(street)
    login(client, account)
    _kept(client, street.slug)
    _write(app, delete(RoleGrant).where(RoleGrant.user_id == account.id))
    runs.clear()
    modules = MODULES.format(slug=street.slug)
    assert client.get(modules).status_code == HTTPStatus.FORBIDDEN
    assert runs == _ran_again(app, modules)


def test_a_role_emptied_by_raw_sql_refuses_the_next_request(app, client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street))
    _kept(client, street.slug)
    _write(app, text("UPDATE role SET permissions = :none WHERE tenant_id = :t AND code = 'tenant_admin'"),
           {"none": "[]", "t": street.id})
    assert client.get(MODULES.format(slug=street.slug)).status_code == HTTPStatus.FORBIDDEN


def test_an_ended_membership_hides_the_tenant_at_once(app, client, create_tenant, create_user):
    from core.auth.models import Membership, RoleGrant
    street = create_tenant()
    account = create_user(street)
    login(client, account)
    _kept(client, street.slug)
    _write(app, delete(RoleGrant).where(RoleGrant.user_id == account.id))
    _write(app, delete(Membership).where(Membership.user_id == account.id))
    assert client.get(MODULES.format(slug=street.slug)).status_code == HTTPStatus.NOT_FOUND


def test_a_disabled_account_is_signed_out_at_once(app, client, create_tenant, create_user):
    from core.auth.models import UserAccount
    street = create_tenant()
    account = create_user(street)
    login(client, account)
    _kept(client, street.slug)
    _write(app, update(UserAccount).where(UserAccount.id == account.id).values(is_active=False))
    resp = client.get(MODULES.format(slug=street.slug))
    assert resp.status_code == HTTPStatus.SEE_OTHER and "/login" in resp.headers["Location"]


def test_signing_out_everywhere_ends_a_kept_session_on_another_device(app, create_tenant, create_user):
    street = create_tenant()
    account = create_user(street)
    phone, desk = app.test_client(), app.test_client()
    login(phone, account)
    login(desk, account)
    _kept(phone, street.slug)
    assert post(desk, "/account/sign-out-everywhere").status_code == HTTPStatus.SEE_OTHER
    resp = phone.get(MODULES.format(slug=street.slug))
    assert resp.status_code == HTTPStatus.SEE_OTHER and "/login" in resp.headers["Location"]


def test_a_suspended_tenant_is_gone_at_once(app, client, create_tenant, create_user):
    from core.tenancy.models import Tenant
    street = create_tenant()
    login(client, create_user(street))
    _kept(client, street.slug)
    _write(app, update(Tenant).where(Tenant.id == street.id).values(status="suspended"))
    assert client.get(MODULES.format(slug=street.slug)).status_code == HTTPStatus.NOT_FOUND


def test_last_seen_and_ordinary_work_keep_the_stamp(app, client, create_tenant, create_user, create_person):
    """Reading pages, the once-a-minute last-seen write and a tenant's own data leave every kept entry
    standing: only changes to who may do what retire them."""
    from core import clock
    street = create_tenant()
    login(client, create_user(street))
    _kept(client, street.slug)
    before = _stamp(app)
    clock.travel(120)  # the next request writes last-seen
    try:
        assert client.get(MODULES.format(slug=street.slug)).status_code == HTTPStatus.OK
        create_person(street, "王甲02")
    finally:
        clock.reset()
    assert _stamp(app) == before


def test_a_change_rolled_back_keeps_the_stamp(app, create_tenant):
    from core.auth.models import Role
    from core.tenancy.scopes import tenant_scope
    street = create_tenant()
    before = _stamp(app)
    with app.app_context(), tenant_scope(street.id, commit=False) as session:
        session.execute(update(Role).where(Role.tenant_id == street.id).values(name="不会留下"))
    assert _stamp(app) == before


def test_a_change_made_beside_the_app_is_seen_once_the_entry_lapses(app, client, create_tenant, create_user):
    """Written by hand (psql), past the app's engine: no new stamp, so a kept entry lives on until it
    lapses (``ADMISSION_SECONDS``)."""
    from core.auth.models import RoleGrant
    from core.db import db
    app.config["ADMISSION_SECONDS"] = 0.5
    street = create_tenant()
    account = create_user(street)
    login(client, account)
    _kept(client, street.slug)
    with app.app_context():
        raw = db.engine.raw_connection()  # the driver's own connection: no SQLAlchemy events
        try:
            cursor = raw.cursor()
            if db.engine.dialect.name == "postgresql":  # row-level security: act as the street
                cursor.execute(f"SELECT set_config('jiceng.active_tenant', '{int(street.id)}', true), "
                               f"set_config('jiceng.visible_tenants', '{int(street.id)}', true)")
            cursor.execute(f"DELETE FROM {RoleGrant.__tablename__} WHERE user_id = {int(account.id)}")
            assert cursor.rowcount == 1
            raw.commit()
        finally:
            raw.close()
    time.sleep(0.6)
    assert client.get(MODULES.format(slug=street.slug)).status_code == HTTPStatus.FORBIDDEN


def test_a_page_read_on_a_lapsed_membership_shows_none_of_what_it_read(app, client, create_tenant, create_user,
                                                                        create_unit, runs):
    from core.auth.models import Membership, RoleGrant
    street = create_tenant()
    account = create_user(street)
    create_unit(street, street.root_id, name="枫林社区")
    login(client, account)
    org = f"/t/{street.slug}/org/{street.root_id}/children"
    for _ in range(2):
        page = client.get(org)
        assert page.status_code == HTTPStatus.OK and "枫林社区" in page.get_data(as_text=True)
    _write(app, delete(RoleGrant).where(RoleGrant.user_id == account.id))
    _write(app, delete(Membership).where(Membership.user_id == account.id))
    runs.clear()
    page = client.get(org)
    assert page.status_code == HTTPStatus.NOT_FOUND
    assert "枫林社区" not in page.get_data(as_text=True)
    assert runs == _ran_again(app, org)
    runs.clear()
    assert client.get(org).status_code == HTTPStatus.NOT_FOUND
    assert runs == [(org, False)]  # nothing kept any more: the full lookup at once


def test_a_change_elsewhere_runs_a_reading_page_again_and_serves_it(app, client, create_tenant, create_user,
                                                                      create_unit, runs, caplog):
    """Another street renamed: a new security stamp, so what this worker kept no longer counts. The
    page that went on from it stops at its first statement and is served from the full lookup, with
    nothing logged as an error."""
    from core.tenancy.models import Tenant
    street, other = create_tenant(), create_tenant()
    account = create_user(street)
    create_unit(street, street.root_id, name="枫林社区")
    login(client, account)
    org = f"/t/{street.slug}/org/{street.root_id}/children"
    for _ in range(2):
        assert client.get(org).status_code == HTTPStatus.OK
    _write(app, update(Tenant).where(Tenant.id == other.id).values(name="改名的街道"))
    runs.clear()
    caplog.clear()
    page = client.get(org)
    assert page.status_code == HTTPStatus.OK and "枫林社区" in page.get_data(as_text=True)
    assert runs == _ran_again(app, org)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    runs.clear()
    assert client.get(org).status_code == HTTPStatus.OK
    assert runs == [(org, False)]  # kept again by the full lookup


def test_a_page_read_on_a_session_ended_elsewhere_sends_the_browser_to_sign_in(app, create_tenant, create_user,
                                                                                create_unit, runs):
    street = create_tenant()
    account = create_user(street)
    create_unit(street, street.root_id, name="枫林社区")
    phone, desk = app.test_client(), app.test_client()
    login(phone, account)
    login(desk, account)
    org = f"/t/{street.slug}/org/{street.root_id}/children"
    for _ in range(2):
        assert "枫林社区" in phone.get(org).get_data(as_text=True)
    assert post(desk, "/account/sign-out-everywhere").status_code == HTTPStatus.SEE_OTHER
    runs.clear()
    page = phone.get(org)
    assert page.status_code == HTTPStatus.SEE_OTHER and "/login" in page.headers["Location"]
    assert "枫林社区" not in page.get_data(as_text=True)
    assert runs == _ran_again(app, org)
