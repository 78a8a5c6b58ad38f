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

What is kept is a snapshot, never an ORM row: ``g.user``, ``g.user_session`` and ``g.tenant`` are
read-only, and a view that changes the account or the session loads its row (``account_row()``).
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app, g
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from .context import Grant, TenantContext, reset_context, set_context, set_user

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
class Snapshot:
    """A row's columns as they were read: attribute access like the ORM row, without its session."""

    @classmethod
    def of(cls, row):
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class Account(Snapshot):
    """``g.user``: the signed-in account, without its secrets (``core.auth.credentials``)."""
    id: int
    username: str
    display_name: str
    is_active: bool
    is_platform_admin: bool
    must_change_password: bool
    totp_enabled: bool
    locale: str | None
    large_text: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SignIn(Snapshot):
    """``g.user_session``: the browser's session row."""
    id: int
    token_hash: str
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    totp_pending: bool
    reauth_at: datetime


@dataclass(frozen=True, slots=True)
class TenantRow(Snapshot):
    """``g.tenant``: the tenant at the address."""
    id: int
    slug: str
    name: str
    kind: str
    parent_id: int | None
    status: str
    is_demo: bool
    plugins_rev: int
    created_at: datetime


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
        return _ask_postgresql(engine, params)
    conn = db.session.connection()
    sync_rls_settings()
    return conn.execute(_question(), params).first()


def _ask_postgresql(engine, params: dict):
    """Asked on the pooled connection's driver itself, in autocommit. Every page asks it, and an
    SQLAlchemy connection in autocommit costs twice the driver's own call in the worker's CPU (a
    connection object, isolation level set and reset, the execution context): 280-320 µs of the
    worker's CPU against 130 µs, measured in-process on PostgreSQL 15. A failure is raised as SQLAlchemy
    raises it and a lost connection retires it and every pooled connection opened before it, as
    SQLAlchemy does, so the error pages and the database drills see no difference."""
    from sqlalchemy.exc import DBAPIError
    error = engine.dialect.loaded_dbapi.Error
    values = (params["session_id"], params["token_hash"], params["tenant_id"], params["user_id"])
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


def admit(slug: str, token_hash: str, fresh) -> bool:
    """Enter the tenant from this worker's entry, if it is still true; False: run the full lookup.

    ``fresh(sign_in, user_active, last_seen_at)`` is the session's own check (timeouts, last-seen
    due): an entry is used only when it needs nothing written.
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
    row = _ask({"session_id": entry.sign_in.id, "token_hash": token_hash, "tenant_id": tenant.id,
                "user_id": account.id})
    if row is None or row[0] != entry.stamp or row[1] is None or not fresh(entry.sign_in, account.is_active, row[1]):
        reset_context(token)
        store.drop(key)
        return False
    g.ctx_token = token
    g.user, g.user_session, g.tenant = account, entry.sign_in, tenant
    g.tenants_n, g.data_stamp, g.unread_n = entry.tenants_n, row[2], row[3]
    set_user(account.id)
    return True


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
