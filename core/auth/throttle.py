"""Counters that slow down guessing, shared by every worker through the database, or through Redis
when ``JICENG_REDIS_URL`` is set (every worker and host then counts in one place without writing
to the database; see :mod:`core.shared_redis`).

In the database each counter is one row keyed by what it limits; a failure bumps it in a single
statement (``INSERT … ON CONFLICT DO UPDATE``), so parallel requests never race to create the same
row. In Redis it is one hash bumped by one script, just as atomic.

Sign-in is limited per (account, address) and per address, never per account alone: otherwise
anyone who knows a name could lock its owner out. Guessing one account from many addresses only
slows down, and not at all from a device the account signed in on before (``core.auth.devices``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock, shared_redis
from ..db import db
from .models import LoginThrottle

log = logging.getLogger(__name__)


def _redis():
    return shared_redis.client()


def _redis_failed(what: str) -> None:
    log.warning("redis unavailable for %s; counting in the database", what, exc_info=True)


def hit(key: str, minutes: int, sliding: bool = False) -> int:
    """Count one more in ``key``'s window and return the count, atomically.

    A fixed window starts at the first hit; a ``sliding`` one restarts at every hit, so the row
    also says when the last one was, and the count only ends after a quiet window.
    """
    key = key[:128]
    now = clock.utcnow()
    r = _redis()
    if r is not None:
        try:
            return shared_redis.hit(r, key, now, minutes, sliding)
        except shared_redis.errors():
            _redis_failed("hit")
    cutoff = now - timedelta(minutes=minutes)
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(LoginThrottle)
    stale = LoginThrottle.window_start < cutoff
    stmt = insert.values(key=key, window_start=now, failures=1).on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={"failures": case((stale, 1), else_=LoginThrottle.failures + 1),
              "window_start": now if sliding else case((stale, now), else_=LoginThrottle.window_start)},
    ).returning(LoginThrottle.failures)
    return db.session.execute(stmt).scalar_one()


def peek(key: str, minutes: int) -> tuple[int, object]:
    """The count in ``key``'s current window and when that window started (or last moved)."""
    r = _redis()
    if r is not None:
        try:
            return shared_redis.peek(r, key[:128], clock.utcnow(), minutes)
        except shared_redis.errors():
            _redis_failed("peek")
    row = db.session.execute(select(LoginThrottle.failures, LoginThrottle.window_start)
                             .where(LoginThrottle.key == key[:128])).first()
    if row is None or clock.utcnow() - clock.aware(row.window_start) >= timedelta(minutes=minutes):
        return 0, None
    return row.failures, clock.aware(row.window_start)


def clear(*keys: str) -> None:
    r = _redis()
    if r is not None:
        try:
            shared_redis.clear(r, [k[:128] for k in keys])
        except shared_redis.errors():
            _redis_failed("clear")
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([k[:128] for k in keys])))


def blocked_key(key: str, limit: int, minutes: int) -> bool:
    """A generic per-key limit (the public report page: per address per hour)."""
    return peek(key, minutes)[0] >= limit


def count_key(key: str, minutes: int = 60) -> int:
    return hit(key, minutes)


# -- sign-in -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


def _name(username: str) -> str:
    return username.strip().lower()


def _keys(username: str, ip: str, device: str | None) -> dict[str, str]:
    name = _name(username)
    return {"pair": f"pair:{ip}:{name}", "ip": f"ip:{ip}", "account": f"acct:{name}",
            "device": f"dev:{device}" if device else ""}


def _cfg(name: str) -> int:
    return current_app.config[name]


def slowdown_seconds(failures: int) -> int:
    """How long an unknown device waits between tries once an account is being guessed:
    doubling from 2 seconds after ``LOGIN_SLOWDOWN_AFTER`` failures, at most 5 minutes."""
    over = failures - _cfg("LOGIN_SLOWDOWN_AFTER")
    return 0 if over < 0 else min(2 ** (over + 1), 300)


def login_refusal(username: str, ip: str, device: str | None) -> Refusal | None:
    """Why this attempt is not even checked, or None to go ahead."""
    minutes = _cfg("LOGIN_THROTTLE_MINUTES")
    keys = _keys(username, ip, device)
    again = _("登录失败次数过多，请 %(n)s 分钟后再试，或联系管理员重置密码。", n=minutes)
    if peek(keys["ip"], minutes)[0] >= _cfg("LOGIN_MAX_FAILURES_ADDRESS"):
        return Refusal(again, minutes * 60)
    if device:  # a device this account signed in on before: only its own mistakes count
        if peek(keys["device"], minutes)[0] >= _cfg("LOGIN_MAX_FAILURES_ACCOUNT"):
            return Refusal(again, minutes * 60)
        return None
    if peek(keys["pair"], minutes)[0] >= _cfg("LOGIN_MAX_FAILURES_ACCOUNT"):
        return Refusal(again, minutes * 60)
    failures, last = peek(keys["account"], minutes)
    wait = slowdown_seconds(failures)
    if wait and last is not None:
        left = wait - int((clock.utcnow() - last).total_seconds())
        if left > 0:
            return Refusal(_("这个账号最近有多次错误登录，请 %(s)s 秒后再试；在您常用的设备上登录不受影响。", s=left), left)
    return None


def record_login_failure(username: str, ip: str, device: str | None) -> int:
    """Count a wrong password everywhere it limits; returns the account's recent failures."""
    minutes = _cfg("LOGIN_THROTTLE_MINUTES")
    keys = _keys(username, ip, device)
    hit(keys["ip"], minutes)
    hit(keys["device"] if device else keys["pair"], minutes)
    return hit(keys["account"], minutes, sliding=True)


def account_failures(username: str) -> int:
    return peek(_keys(username, "-", None)["account"], _cfg("LOGIN_THROTTLE_MINUTES"))[0]


def record_login_success(username: str, ip: str, device: str | None) -> None:
    keys = _keys(username, ip, device)
    clear(keys["pair"], keys["account"], *([keys["device"]] if device else []))


def rate_limit(key: str, limit: int, minutes: int) -> bool:
    """Count one use of ``key`` and say whether it is still within ``limit`` per window.

    One atomic statement: twelve requests at once get exactly ``limit`` yeses, never an error.
    Keys are namespaced by the current tenant when there is one.
    """
    from ..tenancy.context import current_or_none
    ctx = current_or_none()
    scoped = f"rl:{ctx.active}:{key}" if ctx is not None else f"rl:-:{key}"
    return hit(scoped, minutes) <= limit
