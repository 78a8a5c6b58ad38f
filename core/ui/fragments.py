"""Rendered fragments kept while their tenant's data stays the same.

Every transaction that writes a tenant's rows gives that tenant a new random stamp
(``data_stamp``) just before it commits, in the same transaction, whatever wrote: a view, a job, the
CLI, raw SQL. A tenant page reads the stamp with the user's grants (``enter_tenant``, no extra
query), and :func:`cached_fragment` keeps what a page renders under (tenant, stamp, plugins, language,
name, the caller's parts), so a list is rendered again only after something in the tenant changed or
when its own ``until`` (a deadline colour turning) has passed.

Stamps are random rather than counted, so a database restored from a backup can never hand an old
number back to content it no longer matches. The cache lives in each worker (a bounded LRU): a stale
entry is impossible rather than short-lived, because the key changes with the data, so nothing has
to be shared or invalidated across workers or hosts.
"""
from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask import current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .. import clock
from ..tenancy.context import _current

STAMP_TABLE = "data_stamp"
#: ``connection.info`` key: the tenants this transaction wrote (None: a write outside any tenant)
WROTE = "jiceng_wrote"
#: psycopg's ``TransactionStatus.INERROR``
_PG_FAILED = 3
_DML = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
#: table name → whether its rows belong to a tenant; filled as statements name tables, so plugins
#: loaded later are classified when they first write
_is_tenant_table: dict[str, bool] = {}


def _tenant_table(name: str) -> bool:
    found = _is_tenant_table.get(name)
    if found is None:
        from ..db import db
        # a model may declare ``__data_stamp__ = False``: bookkeeping no page shows (job runs, the outbox)
        stamped = {m.local_table.name: getattr(m.class_, "__tenancy__", None) == "tenant"
                   and getattr(m.class_, "__data_stamp__", True) for m in db.Model.registry.mappers}
        found = _is_tenant_table[name] = stamped.get(name, False) and name != STAMP_TABLE
    return found


@event.listens_for(Engine, "after_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, _context, _executemany):
    head = statement[:7].lstrip().upper()
    if not head.startswith(("INSERT", "UPDATE", "DELETE", "WITH")):
        return
    found = _DML.match(statement)
    if found is None:
        if head.startswith("WITH") and not re.search(r"\b(?:INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE):
            return  # a plain read that starts with a CTE
    elif not _tenant_table(found.group(1)):
        return  # sessions, accounts, the registry: no tenant's page shows them from a cache
    ctx = _current.get()
    conn.info.setdefault(WROTE, set()).add(ctx.active if ctx is not None else None)


@event.listens_for(Engine, "commit")
def _stamp(conn):
    """Give every tenant this transaction wrote a new stamp, before the commit that makes it true."""
    if conn.invalidated:  # the connection is gone: the commit fails and says why
        return
    wrote = conn.info.pop(WROTE, None)
    if not wrote:
        return
    if getattr(getattr(conn.connection.dbapi_connection, "info", None), "transaction_status", None) == _PG_FAILED:
        return  # an aborted PostgreSQL transaction: its COMMIT rolls back, so nothing changed
    stamp = secrets.randbits(62)
    if None in wrote:  # written outside a tenant context (system scope): every tenant may have changed
        conn.exec_driver_sql(f"UPDATE {STAMP_TABLE} SET stamp = {stamp}")
        conn.exec_driver_sql(f"INSERT INTO {STAMP_TABLE} (tenant_id, stamp) SELECT id, {stamp} FROM tenant "
                             f"WHERE id NOT IN (SELECT tenant_id FROM {STAMP_TABLE})")
        return
    ctx = _current.get()
    # written while acting in another tenant too (a district's record in a street's audit log):
    # row-level security lets a stamp be read and changed only as its tenant, so each is changed as
    # its own; the settings are transaction-local and the transaction ends here
    as_each = conn.dialect.name == "postgresql" and any(ctx is None or ctx.active != t for t in wrote)
    for tenant_id in sorted(wrote):  # ints from the context, never from a request
        if as_each:
            conn.exec_driver_sql(f"SELECT set_config('jiceng.active_tenant', '{int(tenant_id)}', true), "
                                 f"set_config('jiceng.visible_tenants', '{int(tenant_id)}', true)")
        done = conn.exec_driver_sql(f"UPDATE {STAMP_TABLE} SET stamp = {stamp} WHERE tenant_id = {int(tenant_id)}")
        if done.rowcount == 0:
            conn.exec_driver_sql(f"INSERT INTO {STAMP_TABLE} (tenant_id, stamp) VALUES ({int(tenant_id)}, {stamp})")


def _forget(conn, *_args) -> None:
    if conn.invalidated:  # the server dropped it (a restart): asking for its info would raise and hide
        return            # why; its transaction wrote nothing that stays
    conn.info.pop(WROTE, None)


event.listen(Engine, "rollback", _forget)


class FragmentCache:
    """A bounded LRU of rendered fragments with the time each stays right until."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, now: datetime):
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            since, until, value = found
            if now < since or (until is not None and now >= until):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found

    def put(self, key, since: datetime, until: datetime | None, value) -> None:
        with self._lock:
            self._entries[key] = (since, until, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def cache() -> FragmentCache:
    app = current_app
    found = app.extensions.get("jiceng.fragments")
    if found is None:
        found = app.extensions["jiceng.fragments"] = FragmentCache(app.config.get("FRAGMENT_CACHE_SIZE", 512))
    return found


def cached_fragment(name: str, parts: tuple[Hashable, ...], compute: Callable[[], tuple[Any, datetime | None]]):
    """What ``compute()`` returns for this tenant page, computed again only when the tenant's data
    changed or its ``until`` passed.

    ``compute`` returns ``(value, until)``: ``until`` is when the value stops being right on its
    own (a colour that turns at a deadline), None for never. ``parts`` must hold everything else the
    value depends on: the filters, the user's scope in the tree, whether it is a fragment. Outside a
    tenant page, in a district's rollup, or with ``FRAGMENT_CACHE_SIZE`` 0, it simply computes.
    """
    from ..tenancy.admission import confirm
    from ..tenancy.context import current
    from . import current_lang
    confirm()  # the stamp comes with the sign-in's answer
    stamp = g.get("data_stamp")
    ctx = current()
    if stamp is None or ctx.visible != (ctx.active,) or not current_app.config.get("FRAGMENT_CACHE_SIZE", 512):
        return compute()[0]  # a district's rollup reads its streets too: one stamp does not cover it
    key = (ctx.active, stamp, ctx.plugins_rev, current_lang(), name, parts)
    now = clock.utcnow()
    store = cache()
    found = store.get(key, now)
    if found is not None:
        return found[2]
    value, until = compute()
    store.put(key, now, until, value)
    return value
