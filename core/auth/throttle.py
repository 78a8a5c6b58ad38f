"""Login throttling per account and, with a high limit, per address, shared by all workers."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from .. import clock
from ..db import db
from .models import LoginThrottle


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    cfg = current_app.config
    return [(f"acct:{username.strip().lower()}"[:128], cfg["LOGIN_MAX_FAILURES_ACCOUNT"]),
            (f"ip:{ip}"[:128], cfg["LOGIN_MAX_FAILURES_ADDRESS"])]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])


def blocked(username: str, ip: str) -> bool:
    now = clock.utcnow()
    for key, limit in _keys(username, ip):
        row = db.session.get(LoginThrottle, key)
        if row and now - clock.aware(row.window_start) < _window() and row.failures >= limit:
            return True
    return False


def record_failure(username: str, ip: str) -> None:
    now = clock.utcnow()
    for key, _limit in _keys(username, ip):
        row = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key == key)).first()
        if row is None:
            db.session.add(LoginThrottle(key=key, window_start=now, failures=1))
        elif now - clock.aware(row.window_start) >= _window():
            row.window_start, row.failures = now, 1
        else:
            row.failures += 1
    db.session.flush()


def record_success(username: str) -> None:
    key = _keys(username, "-")[0][0]
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def blocked_key(key: str, limit: int, minutes: int) -> bool:
    """A generic per-key limit (the public report page: per address per hour)."""
    row = db.session.get(LoginThrottle, key[:128])
    return bool(row and clock.utcnow() - clock.aware(row.window_start) < timedelta(minutes=minutes)
                and row.failures >= limit)


def count_key(key: str, minutes: int = 60) -> None:
    now = clock.utcnow()
    row = db.session.get(LoginThrottle, key[:128])
    if row is None:
        db.session.add(LoginThrottle(key=key[:128], window_start=now, failures=1))
    elif now - clock.aware(row.window_start) >= timedelta(minutes=minutes):
        row.window_start, row.failures = now, 1
    else:
        row.failures += 1
    db.session.flush()
