"""Device cookies: a browser that signed in to an account before is known to that account.

A signed cookie remembers, per account name, a random nonce handed out at a successful sign-in
(OWASP "device cookies"). From such a device a wrong password counts against the device only, and
an account being guessed elsewhere neither refuses nor slows down its owner's own phone.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

MAX_ACCOUNTS = 8
MAX_AGE_DAYS = 180


def _cookie_name() -> str:
    return "__Host-jiceng-device" if current_app.config["COOKIE_SECURE"] else "jiceng-device"


def _serializer() -> URLSafeSerializer:
    """Signs with the current key; still reads cookies signed with a previous one
    (``JICENG_SECRET_KEY_FALLBACKS``), so rotating the key forgets no one's known devices."""
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.secret_key]  # as Flask's session
    return URLSafeSerializer(keys, salt="jiceng.device")


def _entries() -> dict[str, str]:
    raw = request.cookies.get(_cookie_name())
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _key(username: str) -> str:
    """Accounts are named in the cookie by a hash: a shared phone does not list who used it."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:16]


def known(username: str) -> str | None:
    """The device's nonce for this account, if it signed in here before."""
    return _entries().get(_key(username))


def remember(username: str) -> None:
    """After a successful sign-in: keep this device known to the account (a fresh nonce)."""
    entries = _entries()
    name = _key(username)
    entries.pop(name, None)
    entries[name] = secrets.token_urlsafe(12)
    value = _serializer().dumps(dict(list(entries.items())[-MAX_ACCOUNTS:]))

    @after_this_request
    def _set(resp):
        resp.set_cookie(_cookie_name(), value, max_age=MAX_AGE_DAYS * 86400, secure=current_app.config["COOKIE_SECURE"],
                        httponly=True, samesite="Lax", path="/")
        return resp
