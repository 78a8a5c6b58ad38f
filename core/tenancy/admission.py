"""Who is signed in and what they may do in a tenant, kept per worker under the security stamp.

Every signed-in tenant page needs three answers before its own work: the session with its account,
the tenant with the user's membership, and the user's grants there. They change only when an
account, a session's step-up or second factor, a membership, a role, a grant, a unit's place in the
tree or a tenant is written, which is rare next to how often pages are read. So each worker keeps
them per (session token, tenant) under the installation's *security stamp*: a random number that
every transaction writing one of those tables replaces just before it commits, in the same
transaction, whatever wrote (a view, a job, the CLI, raw SQL through the app's engine), the same
way ``core.ui.fragments`` keeps each tenant's data stamp.

A request that finds its entry asks the database one question instead of three: the stamp, the
session's last-seen time (so a session ended anywhere ends here at once), the tenant's data stamp
and the user's unread count. Another stamp, a session gone or due for a timeout or a last-seen
write: the entry is dropped and the full lookup runs, which keeps the entry again. An entry also
lapses after ``ADMISSION_SECONDS``, so a change made beside the app (by hand in psql) reaches every
worker within that time.

On PostgreSQL a request that only reads (GET) does not wait for that question: it goes out in the
same round trip as the request's first statement, and the page goes on meanwhile from what was kept
(``Question``). Nothing leaves the worker before the answer is in; an answer that says the entry
no longer holds, or no answer at all, runs the request again from the full lookup.

What is kept is a snapshot, never an ORM row: ``g.user``, ``g.user_session`` and ``g.tenant`` are
read-only (``core.tenancy.snapshots``), and a view that changes the account or the session loads its
row (``account_row()``).
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from .context import Grant, TenantContext, reset_context, set_context, set_user
from .context import _question as _waiting
from .snapshots import Account, SignIn, TenantRow

STAMP_TABLE = "security_stamp"
#: ``connection.info`` key: this transaction changed who may do what
CHANGED = "jiceng_security_changed"
#: psycopg's ``TransactionStatus.INERROR``
_PG_FAILED = 3
#: writes that change who may do what. A new session (INSERT) is nobody's kept entry, an ended one
#: (DELETE) is seen by the one question itself, and last-seen is written every minute by design;
#: a new unit (INSERT) holds no grant yet.
_WATCHED = re.compile(
    r"\s*(?:UPDATE\s+\"?(?:user_account|membership|role|role_grant|org_unit|tenant)\b"
    r"|(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM)\s+\"?(?:user_account|membership|role|role_grant|tenant)\b"
    r"|DELETE\s+FROM\s+\"?org_unit\b"
    r"|UPDATE\s+\"?user_session\"?\s+SET\s+(?!last_seen_at\s*=[^,]*\sWHERE\s))",
    re.IGNORECASE)


#: a write inside a statement that starts with a CTE, to one of the tables above
_CTE_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b.*\b(?:user_account|user_session|membership|role|role_grant|"
                        r"org_unit|tenant)\b", re.IGNORECASE | re.DOTALL)


@event.listens_for(Engine, "after_cursor_execute")
def _note_change(conn, _cursor, statement, _parameters, _context, _executemany):
    head = statement[:7].lstrip()[:4].upper()
    if head.startswith("S"):  # a read: the common case, decided at once
        return
    if _WATCHED.match(statement) or (head == "WITH" and _CTE_WRITE.search(statement)):
        conn.info[CHANGED] = True


@event.listens_for(Engine, "commit")
def _restamp(conn):
    """A new stamp, before the commit that makes the change true."""
    if conn.invalidated or not conn.info.pop(CHANGED, None):
        return
    if getattr(getattr(conn.connection.dbapi_connection, "info", None), "transaction_status", None) == _PG_FAILED:
        return  # an aborted PostgreSQL transaction: its COMMIT rolls back, so nothing changed
    conn.exec_driver_sql(f"UPDATE {STAMP_TABLE} SET stamp = {secrets.randbits(62)}")


def _forget(conn, *_args) -> None:
    if not conn.invalidated:
        conn.info.pop(CHANGED, None)


event.listen(Engine, "rollback", _forget)


def stamp_column():
    """The stamp as a scalar subquery, read in the same statement as the session (the full lookup)."""
    from ..auth.models import SecurityStamp
    return select(SecurityStamp.stamp).where(SecurityStamp.id == 1).scalar_subquery()


@dataclass(frozen=True, slots=True)
class Entry:
    stamp: int
    account: Account
    sign_in: SignIn
    tenant: TenantRow
    member_id: int
    tenants_n: int
    grants: tuple[Grant, ...]
    born: float


class AdmissionCache:
    """A bounded LRU of entries per (token hash, tenant slug)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Entry | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key, entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


def cache() -> AdmissionCache:
    app = current_app
    found = app.extensions.get("jiceng.admission")
    if found is None:
        found = app.extensions["jiceng.admission"] = AdmissionCache(app.config["ADMISSION_CACHE_SIZE"])
    return found


_QUESTION = None


def _question():
    """The one question of a kept entry (built once)."""
    global _QUESTION
    if _QUESTION is None:
        from sqlalchemy import bindparam, literal_column
        from ..auth.models import SecurityStamp, UserSession
        from ..ui.models import DataStamp, Notification
        ss, us, ds, nt = (m.__table__ for m in (SecurityStamp, UserSession, DataStamp, Notification))
        tenant_id, user_id = bindparam("tenant_id"), bindparam("user_id")
        last_seen = (select(us.c.last_seen_at).where(us.c.id == bindparam("session_id"),
                                                    us.c.token_hash == bindparam("token_hash")).scalar_subquery())
        data_stamp = select(ds.c.stamp).where(ds.c.tenant_id == tenant_id).scalar_subquery()
        unread = (select(func.count(literal_column("*"))).select_from(nt)
                  .where(nt.c.tenant_id == tenant_id, nt.c.user_id == user_id, nt.c.read_at.is_(None))
                  .scalar_subquery())
        _QUESTION = select(ss.c.stamp, last_seen, data_stamp, unread).where(ss.c.id == 1)
    return _QUESTION


#: PostgreSQL: the same question as one function call (migrations c0014, c0015) that needs no tenant settings
_PG_QUESTION = "SELECT * FROM jiceng_admission(%s, %s, %s, %s)"


def _ask(params: dict):
    """The one question. On PostgreSQL it is asked outside any transaction, on a connection of its
    own: a page that reads nothing else then costs one round trip, no BEGIN and no COMMIT; a page that
    does read begins its transaction with its first statement, as it would have anyway."""
    from ..db import db
    from .rls import sync_rls_settings
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return _ask_postgresql(engine, (params["session_id"], params["token_hash"], params["tenant_id"],
                                        params["user_id"]))
    conn = db.session.connection()
    sync_rls_settings()
    return conn.execute(_question(), params).first()


def _ask_postgresql(engine, values: tuple):
    """Asked on the pooled connection's driver itself, in autocommit. Every page asks it, and an
    SQLAlchemy connection in autocommit costs twice the driver's own call in the worker's CPU (a
    connection object, isolation level set and reset, the execution context): 280-320 µs of the
    worker's CPU against 130 µs, measured in-process on PostgreSQL 15. A failure is raised as SQLAlchemy
    raises it and a lost connection retires it and every pooled connection opened before it, as
    SQLAlchemy does, so the error pages and the database drills see no difference."""
    from sqlalchemy.exc import DBAPIError
    error = engine.dialect.loaded_dbapi.Error
    try:
        pooled = engine.raw_connection()
    except error as err:  # no connection to be had (the server is down or refuses): as engine.connect() says it
        raise DBAPIError.instance(None, None, err, error, connection_invalidated=engine.dialect.is_disconnect(
            err, None, None), dialect=engine.dialect) from err
    driver = pooled.driver_connection
    try:
        driver.autocommit = True
        with driver.execute(_PG_QUESTION, values) as cursor:
            return cursor.fetchone()
    except error as err:
        lost = engine.dialect.is_disconnect(err, driver, None)
        if lost:  # as SQLAlchemy does on a disconnect: this connection and every one opened before it
            engine.pool._invalidate(pooled, err)
        raise DBAPIError.instance(_PG_QUESTION, values, err, error, connection_invalidated=lost,
                                  dialect=engine.dialect) from err
    finally:
        try:
            if pooled.is_valid:
                driver.autocommit = False
        except Exception:  # noqa: BLE001 - cut off mid-question: the pool must never get it back in autocommit
            pooled.invalidate()
        pooled.close()


def _holds(entry: Entry, row, fresh) -> bool:
    """The answer says the kept entry is still true and needs nothing written."""
    return (row is not None and row[0] == entry.stamp and row[1] is not None
            and fresh(entry.sign_in, entry.account.is_active, row[1]))


class Question:
    """The one question of a kept entry, asked with the request's first statement (PostgreSQL, a
    request that only reads).

    Asked on its own, it is a round trip that every page waits for before its own work: 0.5 ms of
    the two cores' CPU on the event page, a quarter of what the page costs beyond SQLite. Here it
    waits in ``core.tenancy.rls`` for the transaction's first statement and goes out in the same
    pipeline as ``BEGIN``, the settings and the statement. Until it is answered:

    - the response is held: ``Jiceng.finalize_request`` asks it on its own if no statement did,
      and when the entry no longer holds (or the database could not say) raises ``Readmit``, which
      runs the request again from the full lookup;
    - ``g.data_stamp`` and ``g.unread_n`` are not set: ``confirm()`` first;
    - an answer that says no raises ``Lapsed`` from the statement that brought it, so the view
      never sees its rows, and turns the transaction's settings off, for the rest of the request
      too (``core.tenancy.rls._values``): nothing more is read or written as the kept user, even by
      code that catches the exception.
    """

    __slots__ = ("entry", "fresh", "held", "key", "values")

    def __init__(self, key, entry: Entry, fresh):
        self.key, self.entry, self.fresh = key, entry, fresh
        self.values = (entry.sign_in.id, key[0], entry.tenant.id, entry.account.id)
        self.held: bool | None = None  # None: not answered yet

    def send(self, driver):
        """Queue the question on the driver's connection (in a pipeline, or at once); its cursor."""
        return driver.execute(_PG_QUESTION, self.values)

    def answer(self, row) -> bool:
        """Take the answer: True, the request goes on as the kept user."""
        self.held = _holds(self.entry, row, self.fresh)
        if self.held:
            g.data_stamp, g.unread_n = row[2], row[3]
            _waiting.set(None)
        else:
            cache().drop(self.key)
        return self.held


class Readmit(BaseException):
    """The kept sign-in a read-only request went on from no longer holds: its response is dropped
    and the request runs again from the full lookup (``core.web.Jiceng``). A BaseException, so no
    error handler and no view's ``except Exception`` can answer it in its place."""


class Lapsed(Exception):
    """Raised where the answer arrives (the statement that carried it, ``confirm()``), so the page
    stops there; the app turns it into ``Readmit``. Not a BaseException: SQLAlchemy takes one raised
    inside a statement for an interrupted connection and throws the connection away."""


def confirm() -> None:
    """``settle()`` in the middle of a request: stop it here when the kept entry does not hold."""
    if not settle():
        raise Lapsed


def settle() -> bool:
    """Have the request's question answered if it is still waiting; False: the kept entry does not
    hold, and the request must run again (``Readmit``). True when nothing was waiting."""
    question = _waiting.get()
    if question is None:
        return True
    if question.held is None:
        from ..db import db
        from .rls import ask_in_open_transaction
        try:
            if not ask_in_open_transaction(question):
                question.answer(_ask_postgresql(db.engine, question.values))
        except Exception:  # noqa: BLE001 - the database could not say: the full lookup runs and says why
            question.held = False
    return question.held is True


def admit(slug: str, token_hash: str, fresh, speculate: bool = False) -> bool:
    """Enter the tenant from this worker's entry, if it is still true; False: run the full lookup.

    ``fresh(sign_in, user_active, last_seen_at)`` is the session's own check (timeouts, last-seen
    due): an entry is used only when it needs nothing written. ``speculate``: the request only
    reads, and on psycopg its question may go out with its first statement (``Question``).
    """
    from ..plugins.manager import hooks_for
    from ..plugins.state import running_for
    store, key = cache(), (token_hash, slug)
    entry = store.get(key)
    if entry is None:
        return False
    if time.monotonic() - entry.born >= current_app.config["ADMISSION_SECONDS"]:
        store.drop(key)
        return False
    tenant, account = entry.tenant, entry.account
    enabled = running_for(tenant.id, tenant.plugins_rev)
    # the context first: on SQLite the question runs in the request's transaction, which reads tenant rows
    token = set_context(TenantContext(active=tenant.id, visible=(tenant.id,), user_id=account.id, enabled=enabled,
                                      plugins_rev=tenant.plugins_rev, grants=entry.grants,
                                      hooks=hooks_for(enabled), kind=tenant.kind))
    if speculate and _pipelined() and fresh(entry.sign_in, account.is_active, entry.sign_in.last_seen_at):
        _waiting.set(Question(key, entry, fresh))  # (a last-seen due by what was kept: asked first, as below)
    else:
        row = _ask({"session_id": entry.sign_in.id, "token_hash": token_hash, "tenant_id": tenant.id,
                    "user_id": account.id})
        if not _holds(entry, row, fresh):
            reset_context(token)
            store.drop(key)
            return False
        g.data_stamp, g.unread_n = row[2], row[3]
    g.ctx_token = token
    g.user, g.user_session, g.tenant = account, entry.sign_in, tenant
    g.tenants_n = entry.tenants_n
    set_user(account.id)
    return True


def _pipelined() -> bool:
    from ..db import db
    return db.engine.dialect.driver == "psycopg"


def remember(slug: str, token_hash: str, member_id: int) -> None:
    """Keep what the full lookup of this request found, under the stamp it read first."""
    stamp = g.pop("security_stamp", None)
    ctx = _current_ctx()
    if stamp is None or ctx is None or g.user is None or g.user_session is None:
        return
    cache().put((token_hash, slug), Entry(stamp, g.user, g.user_session, g.tenant, member_id, g.tenants_n,
                                          ctx.grants, time.monotonic()))


def _current_ctx():
    from .context import current_or_none
    return current_or_none()
