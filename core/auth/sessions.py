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


def current_session_row() -> UserSession | None:
    return getattr(g, "user_session", None)


@functools.cache
def _session_query():
    """Built once: every signed-in request runs it."""
    return (select(UserSession, UserAccount).join(UserAccount, UserAccount.id == UserSession.user_id)
            .where(UserSession.token_hash == bindparam("token_hash")))


def load_user() -> None:
    """Set ``g.user`` (or None) from the cookie, enforcing idle and absolute timeouts."""
    g.user = None
    g.user_session = None
    token = session.get("sid")
    if not token:
        return
    row = db.session.execute(_session_query(), {"token_hash": _hash(token)}).first()
    if row is None:
        session.pop("sid", None)
        return
    us, user = row
    now = clock.utcnow()
    cfg = current_app.config
    idle = now - clock.aware(us.last_seen_at) > timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = now - clock.aware(us.created_at) > timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    if idle or absolute or not user.is_active:
        _write_apart(delete(UserSession).where(UserSession.id == us.id))
        session.pop("sid", None)
        g.session_expired = True
        return
    if now - clock.aware(us.last_seen_at) > timedelta(minutes=1):
        _write_apart(update(UserSession).where(UserSession.id == us.id).values(last_seen_at=now))
    g.user_session = us
    if us.totp_pending:
        g.totp_pending_user = user
        return
    g.user = user
    set_user(user.id)


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
