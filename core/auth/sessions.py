"""Server-side sessions: the cookie carries a random token, the database decides if it is alive.

Logout, "sign out everywhere", disabling the account and password changes delete rows here, so a
stolen cookie dies with them. Last-seen is written at most once a minute, in its own short write
transaction, so ordinary reads never take SQLite's write lock.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from sqlalchemy import bindparam, delete, select, update

from .. import clock
from ..db import db, write_transaction
from ..tenancy.context import set_user
from .models import UserAccount, UserSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def start_session(user: UserAccount, totp_pending: bool = False) -> None:
    """New session id at login (no fixation); the CSRF token rotates with it."""
    token = secrets.token_urlsafe(32)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["sid"] = token
    session["csrf"] = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, ip=client_ip(),
                               user_agent=(request.user_agent.string or "")[:255], totp_pending=totp_pending))


def end_session() -> None:
    token = session.get("sid")
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["csrf"] = secrets.token_urlsafe(32)


def revoke_all(user_id: int) -> int:
    """Sign a user out everywhere; returns how many sessions ended."""
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount


def session_token_hash() -> str | None:
    """The hash of this browser's session token, as stored; None when it has none."""
    token = session.get("sid")
    return _hash(token) if token else None


def current_session_row() -> UserSession | None:
    return getattr(g, "user_session", None)


@functools.cache
def _session_query():
    """Built once: every signed-in request runs it."""
    from ..tenancy.admission import stamp_column
    return (select(UserSession, UserAccount, stamp_column()).join(UserAccount, UserAccount.id == UserSession.user_id)
            .where(UserSession.token_hash == bindparam("token_hash")))


def load_user() -> None:
    """Set ``g.user`` (or None) from the cookie, enforcing idle and absolute timeouts.

    ``g.user`` and ``g.user_session`` are read-only snapshots (``core.tenancy.admission``): a view
    that changes the account loads its row with :func:`account_row`.
    """
    g.user = None
    g.user_session = None
    token = session.get("sid")
    if not token:
        return
    row = db.session.execute(_session_query(), {"token_hash": _hash(token)}).first()
    if row is None:
        session.pop("sid", None)
        return
    us, user, g.security_stamp = row
    now = clock.utcnow()
    if _expired(us, user.is_active, us.last_seen_at, now):
        _write_apart(delete(UserSession).where(UserSession.id == us.id))
        session.pop("sid", None)
        g.session_expired = True
        return
    if _last_seen_due(us.last_seen_at, now):
        _write_apart(update(UserSession).where(UserSession.id == us.id).values(last_seen_at=now))
    from ..tenancy.snapshots import Account, SignIn
    g.user_session = SignIn.of(us)
    if us.totp_pending:
        g.totp_pending_user = user
        return
    g.user = Account.of(user)
    set_user(user.id)


def _expired(us, is_active: bool, last_seen_at, now) -> bool:
    cfg = current_app.config
    idle = now - clock.aware(last_seen_at) > timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = now - clock.aware(us.created_at) > timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    return idle or absolute or not is_active


def _last_seen_due(last_seen_at, now) -> bool:
    return now - clock.aware(last_seen_at) > timedelta(minutes=1)


def still_fresh(us, is_active: bool, last_seen_at) -> bool:
    """A kept sign-in may be used as it is: not timed out, and no last-seen to write."""
    now = clock.utcnow()
    return not _expired(us, is_active, last_seen_at, now) and not _last_seen_due(last_seen_at, now)


def account_row() -> UserAccount:
    """The signed-in account's row, to change it (``g.user`` is a read-only snapshot)."""
    return db.session.get(UserAccount, g.user.id)


def session_row() -> UserSession:
    """This browser's session row, to change it (``g.user_session`` is a read-only snapshot)."""
    return db.session.get(UserSession, g.user_session.id)


def _write_apart(stmt) -> None:
    """Run one small write in its own immediate transaction, then continue the request."""
    db.session.rollback()
    token = write_transaction.set(True)
    try:
        db.session.execute(stmt)
        db.session.commit()
    finally:
        write_transaction.reset(token)


def client_ip() -> str:
    # ProxyFix (one trusted hop) already rewrote remote_addr; X-Forwarded-For is never read here.
    return request.remote_addr or "-"
