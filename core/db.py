"""Database handle, column helpers and engine behaviour shared by core and plugins.

SQLite runs with pysqlite's own transaction handling off so SQLAlchemy emits ``BEGIN``; writes
begin ``IMMEDIATE`` so concurrent writers queue instead of losing updates (quality.md §1).
"""
from __future__ import annotations

import sqlite3
from contextvars import ContextVar
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (JSON, BigInteger, DateTime, ForeignKey, ForeignKeyConstraint, Integer, MetaData,
                        TypeDecorator, event, select)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.orm import registry as orm_registry

from . import clock

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Ids are BIGINT on PostgreSQL and INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """Times are stored in UTC on both databases. SQLite keeps no zone, so an aware Beijing time
    would otherwise be written as its wall-clock digits and read back eight hours off."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = orm_registry(metadata=MetaData(naming_convention=NAMING),
                            type_annotation_map={datetime: UTCDateTime(), dict: JSON, list: JSON})


db = SQLAlchemy(model_class=Base)

#: True while the current request or job writes: SQLite then begins ``IMMEDIATE``.
write_transaction: ContextVar[bool] = ContextVar("jiceng_write_transaction", default=False)


class TenantScoped:
    """Mixin for rows that belong to one tenant (``__tenancy__ = "tenant"``).

    Keys: on PostgreSQL the table's primary key is ``(tenant_id, id)``, as Citus needs to distribute
    it by tenant (``core.citus``; made by ``create_tenant_table`` and ``tenant_primary_key``); on
    SQLite it is ``id INTEGER PRIMARY KEY``, the rowid, the only column SQLite numbers by itself.
    The mapper's identity stays ``id`` on both: ids come from the table's own sequence (the rowid on
    SQLite) and are unique on their own, so ``session.get``, ``get_or_404`` and ids in URLs are the
    same everywhere. Composite foreign keys point at ``(tenant_id, id)``: the primary key on
    PostgreSQL, ``UNIQUE(tenant_id, id)`` (``tenant_table_args``) on SQLite; the models declare that
    unique for SQLite, and PostgreSQL does not repeat its key (``drop_duplicate_unique``).
    """

    __tenancy__ = "tenant"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("tenant.id"), nullable=False)


def tenant_fk(column: str | list[str], table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    """``(tenant_id, x_id) → table(tenant_id, id)``: a row can only point inside its own tenant."""
    cols = [column] if isinstance(column, str) else column
    return ForeignKeyConstraint(["tenant_id", *cols], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete)


def utc_default() -> datetime:
    return clock.utcnow()


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_conn, _record):
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN, not pysqlite
    for pragma in ("journal_mode=WAL", "busy_timeout=5000", "foreign_keys=ON", "synchronous=FULL"):
        dbapi_conn.execute(f"PRAGMA {pragma}")


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_transaction.get() else "BEGIN")


#: PostgreSQL answers that mean "not now": connection exceptions (class 08), shutting down, crashed,
#: starting up, no connection slot free. psycopg gives no SQLSTATE at all when the server never answered.
_PG_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300")
#: SQLite: the file or its folder cannot be opened, or the disk fails.
_SQLITE_UNAVAILABLE = ("SQLITE_CANTOPEN", "SQLITE_IOERR")


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached right now (down, restarting, its file gone), as opposed to a
    bad statement or a conflict: the same request may succeed later, so it answers 503, not 500."""
    if isinstance(exc, DisconnectionError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if hasattr(orig, "sqlstate"):  # psycopg
        return orig.sqlstate is None or orig.sqlstate.startswith(_PG_UNAVAILABLE)
    return (getattr(orig, "sqlite_errorname", None) or "").startswith(_SQLITE_UNAVAILABLE)


#: PostgreSQL refusing a write an administrator must see to: a read-only transaction (a standby, or
#: ``default_transaction_read_only`` set while a disk is cleared) and a full disk.
_PG_UNWRITABLE = {"25006": "read-only", "53100": "full"}


def unwritable_reason(exc: BaseException) -> str | None:
    """``"read-only"`` or ``"full"`` when the database refused a write because it cannot be written
    (SQLite: its file, its folder, its filesystem or a read-only open; PostgreSQL: a read-only
    transaction) or the disk is full; else ``None``. Retrying does not help: an administrator must
    act, and the request changed nothing (its transaction is rolled back as a whole)."""
    if not isinstance(exc, DBAPIError):
        return None
    if hasattr(exc.orig, "sqlstate"):  # psycopg
        return _PG_UNWRITABLE.get(exc.orig.sqlstate or "")
    if not isinstance(exc, OperationalError):
        return None
    name = getattr(exc.orig, "sqlite_errorname", None) or ""
    if name.startswith("SQLITE_READONLY"):
        return "read-only"
    return "full" if name == "SQLITE_FULL" else None


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def get_or_404(model, id_):
    """Return the active tenant's row with this id; "missing" and "another tenant's" are both 404."""
    from .tenancy import current
    return db.one_or_404(select(model).where(model.id == id_, model.tenant_id == current().active))


def lock_for_update(stmt):
    """Row lock on PostgreSQL; on SQLite the ``BEGIN IMMEDIATE`` write transaction already serialises."""
    return stmt.with_for_update() if is_postgres() else stmt




def tenant_table_args(*args):
    """``__table_args__`` for a tenant table: ``UNIQUE(tenant_id, id)`` first, so composite FKs can point at it
    (SQLite; on PostgreSQL the primary key ``(tenant_id, id)`` is that index, and the database leaves it out)."""
    from sqlalchemy import UniqueConstraint
    return (UniqueConstraint("tenant_id", "id"), *args)
