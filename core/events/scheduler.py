"""Jobs and the event sweeper inside the served app: the embedded default needs no second process.

Every worker (and the dev server) runs a daemon thread that wakes every ``SCHEDULER_SECONDS``
(0 disables it; ``jiceng jobs worker`` remains for installations that run jobs apart; with
``JICENG_BROKER_URL`` set Celery runs them, see :mod:`core.tasks`, and this thread never starts). Before a
round it takes a lease in the database with one conditional UPDATE committed at once, so two
workers never run the jobs together and SQLite's write lock is held for one statement only. A
worker that dies mid-round leaves a lease that simply expires.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..db import db
from .models import SchedulerLease

log = logging.getLogger(__name__)
LEASE = "jobs"
_started: dict[int, threading.Thread] = {}  # by process id: a forked worker starts its own
_lock = threading.Lock()


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def take_lease(holder: str, seconds: float, name: str = LEASE) -> bool:
    """Take (or renew) the lease for ``seconds``; False while someone else holds it unexpired."""
    now = clock.utcnow()
    until = now + timedelta(seconds=seconds)
    table = SchedulerLease.__table__
    with db.engine.begin() as conn:
        taken = conn.execute(update(table).where(
            table.c.name == name, (table.c.expires_at < now) | (table.c.holder == holder))
            .values(holder=holder, expires_at=until)).rowcount
    if taken:
        return True
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(table).values(name=name, holder=holder, expires_at=until))
        return True
    except IntegrityError:  # the row exists and is held by someone else
        return False


def release_lease(holder: str, name: str = LEASE) -> None:
    """Let the next round start at once wherever it comes first."""
    table = SchedulerLease.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.name == name, table.c.holder == holder)
                     .values(expires_at=clock.utcnow()))


def run_once(app, seconds: float) -> bool:
    """One round: due jobs, then undelivered events, if this worker holds the lease; True if it ran."""
    from .dispatch import sweep
    from .jobs import run_due
    holder = holder_name()
    with app.app_context():
        # long enough for a slow round; a worker that dies holding it blocks at most this long
        if not take_lease(holder, max(120.0, seconds * 4)):
            return False
        try:
            run_due()
            sweep()
        finally:
            release_lease(holder)
            db.session.remove()
    return True


def _loop(app, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        try:
            run_once(app, seconds)
        except Exception:  # noqa: BLE001 - the next round tries again; the thread must not die
            log.exception("scheduled jobs round failed")


def start(app) -> threading.Thread | None:
    """Start this process's scheduler thread once (no-op when disabled or already running)."""
    seconds = float(app.config.get("SCHEDULER_SECONDS") or 0)
    if seconds <= 0 or app.config.get("BROKER_URL"):  # Celery beat and workers run them instead
        return None
    with _lock:
        thread = _started.get(os.getpid())
        if thread is not None and thread.is_alive():
            return thread
        stop = threading.Event()
        thread = threading.Thread(target=_loop, args=(app, seconds, stop), name="jiceng-scheduler", daemon=True)
        thread.stop = stop
        _started[os.getpid()] = thread
        thread.start()
        return thread


def init_scheduler(app) -> None:
    """Start lazily on the first request, so the gunicorn master (which only forks) never runs it;
    ``deploy/gunicorn.conf.py`` also starts it in ``post_fork`` so jobs run before any request."""
    if not float(app.config.get("SCHEDULER_SECONDS") or 0) or app.config.get("BROKER_URL"):
        return

    @app.before_request
    def _ensure_scheduler():
        if os.getpid() not in _started:
            start(app)
