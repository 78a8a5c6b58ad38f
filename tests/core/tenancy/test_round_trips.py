"""On PostgreSQL a signed-in page costs few round trips, keeps its prepared statements from one request
to the next, and still leaves nothing behind: no tenant on the pooled connection, no write that was
rolled back. Round trips are read from libpq's own trace of the wire (one ``ReadyForQuery`` each)."""
from __future__ import annotations

import os
import tempfile

import psycopg
import pytest
from sqlalchemy import event, select, text

from core.testing import build_app
from core.testing.factories import login

pytestmark = pytest.mark.postgres

#: the tenant dashboard of a browser this worker has seen: one call of jiceng_admission, outside any
#: transaction, checks what the worker kept (core.tenancy.admission: stamp, session, data stamp, unread),
#: and the page reads nothing else: no BEGIN, no COMMIT, no session, tenant or grant lookup, no ping (the
#: pooled connection's socket says it is alive: core.liveness)
DASHBOARD_ROUND_TRIPS = 1
#: a page that reads (a unit's children: two statements): that question goes out with its first
#: statement, in one pipeline with BEGIN and the tenant settings; then the second statement; then COMMIT
READING_PAGE_ROUND_TRIPS = 3


@pytest.fixture
def served(pg_database, database):
    if pg_database is not database:  # the factories write to the main database: this runs in the PostgreSQL pass
        pytest.skip("runs when the main test database is PostgreSQL")
    app = build_app(pg_database, DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, SQLALCHEMY_ENGINE_OPTIONS=None)
    yield app
    from core.db import db
    with app.app_context():
        db.engine.dispose()


class Wire:
    """libpq's trace of every connection the app's pool opens from now on."""

    def __init__(self, engine):
        fd, self.path = tempfile.mkstemp(suffix=".pgtrace")
        self.file = os.fdopen(fd, "w")
        self.engine = engine
        event.listen(engine, "connect", self._trace)
        engine.dispose()

    def _trace(self, dbapi_conn, _record):
        dbapi_conn.pgconn.trace(self.file.fileno())
        dbapi_conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

    def start(self) -> None:
        self.file.flush()
        os.truncate(self.path, 0)
        self.file.seek(0)

    def messages(self) -> list[list[str]]:
        self.file.flush()
        with open(self.path, encoding="utf-8", errors="replace") as f:
            return [line.split("\t") for line in f.read().splitlines() if line.count("\t") >= 3]

    def close(self) -> None:
        event.remove(self.engine, "connect", self._trace)
        self.engine.dispose()
        self.file.close()
        os.unlink(self.path)


@pytest.fixture
def wire(served):
    from core.db import db
    with served.app_context():
        w = Wire(db.engine)
    yield w
    w.close()


def test_the_dashboard_costs_one_round_trip_and_plans_nothing_anew(served, wire, create_tenant, create_user):
    street = create_tenant()
    account = create_user(street)
    client = served.test_client()
    login(client, account)
    for _ in range(7):  # psycopg prepares a statement the fifth time it sees it; the first request keeps
        # what it looked up, the next five ask the one question
        assert client.get(f"/t/{street.slug}/").status_code == 200
    wire.start()
    assert client.get(f"/t/{street.slug}/").status_code == 200
    sent = wire.messages()
    waits = [m for m in sent if m[0] == "B" and m[2] == "ReadyForQuery"]
    assert len(waits) == DASHBOARD_ROUND_TRIPS, [m[2:4] for m in sent if m[0] == "F"]
    parsed = [m[3] for m in sent if m[0] == "F" and m[2] == "Parse" and '"BEGIN' not in m[3]]
    assert parsed == []  # every statement was prepared by an earlier request
    queries = [m[3].strip() for m in sent if m[0] == "F" and m[2] == "Query"]
    assert queries == []  # no BEGIN, no COMMIT
    assert [m[3] for m in sent if m[0] == "B" and m[2] == "ReadyForQuery"] == [" I"]  # left outside a transaction


def test_a_page_that_reads_ends_with_commit_and_keeps_its_prepared_statements(served, wire, create_tenant,
                                                                             create_user):
    street = create_tenant()
    account = create_user(street)
    client = served.test_client()
    login(client, account)
    for _ in range(7):
        assert client.get(f"/t/{street.slug}/org/{street.root_id}/children").status_code == 200
    wire.start()
    assert client.get(f"/t/{street.slug}/org/{street.root_id}/children").status_code == 200
    sent = wire.messages()
    parsed = [m[3] for m in sent if m[0] == "F" and m[2] == "Parse" and '"BEGIN' not in m[3]]
    assert parsed == []  # every statement was prepared by an earlier request
    queries = [m[3].strip() for m in sent if m[0] == "F" and m[2] == "Query"]
    assert queries[-1] == '"COMMIT"'  # the page only read: COMMIT keeps the prepared statements
    waits = [m for m in sent if m[0] == "B" and m[2] == "ReadyForQuery"]
    assert len(waits) == READING_PAGE_ROUND_TRIPS, [m[2:4] for m in sent if m[0] == "F"]
    first = [m[2] for m in sent[:sent.index(waits[1])] if m[0] == "F"]  # libpq's trace lags by one answer
    assert first.count("Execute") == 4  # BEGIN, the question, the settings and the first statement


def test_the_next_checkout_carries_no_tenant_and_no_user(served, wire, create_tenant, create_user):
    street = create_tenant()
    account = create_user(street)
    client = served.test_client()
    login(client, account)
    assert client.get(f"/t/{street.slug}/").status_code == 200
    from core.db import db
    with served.app_context(), db.engine.connect() as conn:  # the pool holds one connection: the page's
        settings = conn.execute(text("SELECT current_setting('jiceng.active_tenant', true), "
                                     "current_setting('jiceng.visible_tenants', true), "
                                     "current_setting('jiceng.user_id', true)")).one()
        assert all(not s for s in settings), settings
        assert conn.execute(text("SELECT count(*) FROM org_unit")).scalar() == 0  # RLS sees no tenant


def test_a_write_that_is_rolled_back_is_gone_and_a_read_after_it_still_works(served, create_tenant):
    street = create_tenant()
    from core.org.models import OrgUnit
    from core.tenancy.scopes import tenant_scope
    with served.app_context():
        with tenant_scope(street.id, commit=False) as session:  # ORM write, then rollback
            session.execute(select(OrgUnit.id)).all()
            root = session.get(OrgUnit, street.root_id)
            root.name = "不该留下"
            session.flush()
        with tenant_scope(street.id, commit=False) as session:  # raw SQL write, then rollback
            session.execute(select(OrgUnit.id)).all()
            session.execute(text("UPDATE org_unit SET name = '也不该留下' WHERE id = :id"), {"id": street.root_id})
        with tenant_scope(street.id, commit=False) as session:  # only reads: ends with COMMIT
            name = session.scalar(select(OrgUnit.name).where(OrgUnit.id == street.root_id))
        with tenant_scope(street.id, commit=False) as session:  # a savepoint rolled back, the outer write kept
            nested = session.begin_nested()
            session.execute(text("UPDATE org_unit SET name = '也不该留下' WHERE id = :id"), {"id": street.root_id})
            nested.rollback()
            assert session.scalar(select(OrgUnit.name).where(OrgUnit.id == street.root_id)) == name
    assert name not in ("不该留下", "也不该留下")


def test_a_statement_that_fails_with_the_settings_leaves_the_connection_usable(served, create_tenant):
    street = create_tenant()
    from sqlalchemy.exc import DataError

    from core.org.models import OrgUnit
    from core.tenancy.scopes import tenant_scope
    with served.app_context(), tenant_scope(street.id, commit=False) as session:
        with pytest.raises(DataError):  # sent in one round trip with BEGIN and the tenant's settings
            session.execute(text("SELECT 1 / :zero"), {"zero": 0})
        session.rollback()
        assert session.scalar(select(OrgUnit.id).where(OrgUnit.id == street.root_id)) == street.root_id
