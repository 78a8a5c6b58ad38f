"""Is a pooled PostgreSQL connection still alive? Asked on every checkout, answered without a round
trip when the answer is plain.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` before every request: one more round trip to the
server on every page, to catch the rare connection the server has closed. A server that restarts,
fails over or ends a session says goodbye first (an error message, then the socket closes), and that
makes the idle connection's socket readable. So the socket is asked first, locally: readable, or
idle longer than ``PING_IDLE_SECONDS`` (a peer gone without a word, a firewall that forgot the
connection), and only then is the server pinged. A failed ping replaces the connection and retires
every pooled connection opened before it, exactly as the pre-ping does.
"""
from __future__ import annotations

import select
import time

from sqlalchemy import event, exc
from sqlalchemy.engine import CreateEnginePlugin

#: a connection idle this long is pinged even when its socket is quiet
PING_IDLE_SECONDS = 10.0
#: ``connection_record.info`` key: when the connection was last made or given back (monotonic seconds)
LAST_USED = "jiceng_last_used"


def quiet(dbapi_connection) -> bool:
    """Nothing has arrived on the idle connection's socket (no goodbye, no close)."""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    except Exception:  # noqa: BLE001 - a closed connection has no socket to ask: not quiet
        return False
    return not poller.poll(0)


def _used(_dbapi_connection, record, *_args) -> None:
    record.info[LAST_USED] = time.monotonic()


def watch(engine) -> None:
    """Check every checkout of ``engine``'s pool (used instead of ``pool_pre_ping``)."""
    dialect = engine.dialect

    def checkout(dbapi_connection, record, _proxy) -> None:
        last = record.info.get(LAST_USED)
        if last is not None and time.monotonic() - last < PING_IDLE_SECONDS and quiet(dbapi_connection):
            return
        if not dialect._do_ping_w_event(dbapi_connection):  # the pre-ping's own ping: False on a disconnect
            raise exc.InvalidatePoolError("the database closed this connection")
        record.info[LAST_USED] = time.monotonic()

    event.listen(engine.pool, "connect", _used)
    event.listen(engine.pool, "checkin", _used)
    event.listen(engine.pool, "checkout", checkout)


class LivenessPlugin(CreateEnginePlugin):
    """``create_engine(..., plugins=["jiceng_liveness"])``: :func:`watch` the engine's pool."""

    def update_url(self, url):
        return url

    def engine_created(self, engine) -> None:
        watch(engine)


def _register() -> None:
    from sqlalchemy.dialects import plugins
    plugins.register("jiceng_liveness", __name__, "LivenessPlugin")


_register()
