"""API keys: how a machine (a 12345 or provincial platform) calls an ``api`` rule without a browser.

A request to an ``@audience("api")`` rule that carries a key (``Authorization: Bearer``,
``X-API-Key``, or an ``api_key`` form or query field as GeoReport v2 has it) is a machine request:
the session cookie is never opened, so nothing is read from it or set, and no CSRF token is asked
for, because the key itself is the credential and no browser sends it on its own. Without a key
the rule is an ordinary public one: a browser's POST still needs its CSRF token, and then
``api_key_required`` refuses it for lacking a key, so a session is never enough.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from http import HTTPStatus

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from .. import clock
from ..audit import service as audit
from ..db import db, write_transaction
from ..tenancy.context import current
from .models import ApiKey

TOKEN_PREFIX = "jc_"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def presented_key(req=None) -> str | None:
    """The key a request carries, wherever GeoReport clients put it; None without one."""
    req = req or request
    auth = req.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    token = req.headers.get("X-API-Key") or req.args.get("api_key")
    if not token and req.method in UNSAFE:
        try:
            token = req.form.get("api_key")
        except HTTPException:  # a body too large: the view's own form access answers 413
            token = None
    return (token or "").strip() or None


class MachineAwareSessions(SecureCookieSessionInterface):
    """The cookie session, never opened for a machine request (an ``api`` rule with a key)."""

    def open_session(self, app, req):
        if presented_key(req) and _audience_of(app, req) == "api":
            return None  # Flask then uses a null session, which is never saved: no Set-Cookie
        return super().open_session(app, req)


def _audience_of(app, req) -> str | None:
    try:
        endpoint, _args = app.create_url_adapter(req).match()
    except HTTPException:
        return None
    return getattr(app.view_functions.get(endpoint), "_audience", None)


def new_key(name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Create a key in the active tenant; the secret is returned once and never stored."""
    ctx = current()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(tenant_id=ctx.active, name=name, prefix=token[:11], secret_hash=_digest(token),
                 scopes=sorted(scopes), created_by=ctx.user_id)
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.create", "api_key", key.id, name=name, scopes=key.scopes)
    return key, token


def revoke(key_id: int) -> ApiKey | None:
    """Revoke a key of the active tenant; two admins revoking at once write one audit row."""
    from ..db import lock_for_update
    ctx = current()
    key = db.session.scalars(lock_for_update(select(ApiKey).where(ApiKey.tenant_id == ctx.active,
                                                                  ApiKey.id == key_id))).first()
    if key is None or key.revoked_at is not None:
        return key
    key.revoked_at, key.revoked_by = clock.utcnow(), ctx.user_id
    db.session.flush()
    audit.record("api_key.revoke", "api_key", key.id, name=key.name)
    return key


def authenticate(token: str) -> ApiKey | None:
    """The active tenant's live key for this token; another tenant's key is no key here."""
    return db.session.scalars(select(ApiKey).where(ApiKey.tenant_id == current().active,
                                                   ApiKey.secret_hash == _digest(token),
                                                   ApiKey.revoked_at.is_(None))).first()


def offered_scopes() -> dict[str, object]:
    """Scope → label, from the ``api_key_required`` rules of the modules this tenant has on."""
    owners = current_app.extensions["jiceng.plugins"].blueprint_owner
    enabled = current().enabled
    out = {}
    for endpoint, view in current_app.view_functions.items():
        scope = getattr(view, "_api_scope", None)
        owner = owners.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
        if scope and (owner is None or owner in enabled):
            out[scope] = view._api_scope_label
    return dict(sorted(out.items()))


def _json_answer(status: int, message: str):
    from ..errors import _json_error
    return _json_error(status, "api_key", message)


def _note_use(key: ApiKey, counted: bool) -> bool:
    """Stamp last use and, for a write, count it against the hour, in a transaction of its own so a
    refused report still counts. Returns False when the key has used up this hour's writes."""
    from . import throttle
    limit = current_app.config["API_KEY_POSTS_PER_HOUR"]
    key_id, tenant_id, name = key.id, key.tenant_id, f"apikey:{key.id}"
    if counted and throttle.blocked_key(name, limit=limit, minutes=60):
        return False
    db.session.rollback()  # nothing written yet: the view has not run
    token = write_transaction.set(True)
    try:
        db.session.execute(update(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id)
                           .values(last_used_at=clock.utcnow()))
        if counted:
            throttle.count_key(name)
        db.session.commit()
    except IntegrityError:  # a simultaneous first write of this hour created the counter
        db.session.rollback()
    finally:
        write_transaction.reset(token)
    return True


def api_key_required(scope: str, label, answer=None):
    """Let the view run only for a live key of this tenant holding ``scope``.

    ``answer(status, message)`` refuses in the endpoint's own format (JSON by default); it also
    answers the CSRF refusal of a keyless POST. Writes count against the key's hourly limit.
    """
    answer = answer or _json_answer

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            token = g.get("api_key_token")
            if token is None:
                return answer(HTTPStatus.FORBIDDEN, missing_key_message())
            key = authenticate(token)
            if key is None or scope not in key.scopes:
                return answer(HTTPStatus.FORBIDDEN, _("API 密钥无效、已撤销，或无权调用此接口"))
            if not _note_use(key, counted=request.method in UNSAFE):
                return answer(HTTPStatus.TOO_MANY_REQUESTS, _("这个 API 密钥本小时的提交已达上限，请稍后再试"))
            g.api_key_id = key.id
            return view(*args, **kwargs)
        wrapped._api_scope, wrapped._api_scope_label, wrapped._api_answer = scope, label, answer
        return wrapped
    return decorator


def presented_key_grants(scope: str) -> bool | None:
    """On a read open to everyone that answers key holders more fully: None when the request
    carries no key, True for a live key of this tenant holding ``scope`` (its use is stamped),
    False for any other key (the view should refuse it rather than quietly answer less)."""
    token = g.get("api_key_token")
    if token is None:
        return None
    key = authenticate(token)
    if key is None or scope not in key.scopes:
        return False
    _note_use(key, counted=False)
    g.api_key_id = key.id
    return True


def missing_key_message() -> str:
    return _("需要 API 密钥：请在 api_key 字段或 Authorization: Bearer 请求头中提供")
