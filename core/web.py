"""The request lifecycle: session, CSRF, tenant, context, headers; errors are answered by core.errors."""
from __future__ import annotations

import hmac
import logging
import re
import secrets
from http import HTTPStatus
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, make_response, redirect, request, session, url_for
from sqlalchemy.exc import DisconnectionError, InterfaceError, InternalError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

from .db import db, write_transaction
from .fields import MAX_ID
from .errors import (ModulePaused, _database_error, _http_error, _json_error, _server_error, _wants_json,
                     view_function)
from .plugins.gate import refuse_off
from .plugins.manager import hooks_for
from .plugins.state import degraded_for, enabled_for, running_for
from .tenancy.admission import Lapsed, Readmit, admit, remember, settle
from .tenancy.context import TenantContext, _current, _question, _user, reset_context, set_context
from .tenancy.resolve import UNSAFE, enter_tenant, load_member_tenant, load_tenant, needs_write_for_get

log = logging.getLogger(__name__)
#: a caller's request id is kept (logs, audit) only when it is a plain token
REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class IdConverter(IntegerConverter):
    """A number in a URL that no row can have (past 64 bits) is a bad request, not a database error."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise BadRequest()
        return number


class ModelIdConverter(IdConverter):
    """An id in a URL that names a model, so the isolation sweep knows what to ask for."""

    model = None


def model_converter(model) -> type[ModelIdConverter]:
    return type(f"{model.__name__}IdConverter", (ModelIdConverter,), {"model": model})


def example_args(**values):
    """Values the isolation sweep uses for a rule's non-id arguments (an action name, a format)."""
    def decorator(view):
        view._example_args = values
        return view
    return decorator


def register_model_converters(app: Flask, **models) -> None:
    """``<note:note_id>`` in a rule: the id names a model, so the isolation sweep can test it.

    Plugins call this from ``register_blueprints``, before their rules are added.
    """
    for name, model in models.items():
        app.url_map.converters[name] = model_converter(model)


#: ``environ`` key: this request runs again, from the full lookup (``Readmit``)
READMIT = "jiceng.readmit"


class Jiceng(Flask):
    """Flask, holding every response until the request's sign-in is confirmed."""

    def handle_user_exception(self, e):
        if isinstance(e, Lapsed):  # where the answer arrived: before any error handler sees it
            raise Readmit from e
        return super().handle_user_exception(e)

    def handle_exception(self, e):
        if isinstance(e, Lapsed):  # the same, from inside an error handler
            raise Readmit from e
        return super().handle_exception(e)

    def finalize_request(self, rv, from_error_handler: bool = False):
        """Every response, error pages too, passes here before it is made and sent."""
        if not settle():
            raise Readmit
        return super().finalize_request(rv, from_error_handler)

    def wsgi_app(self, environ, start_response):
        try:
            return super().wsgi_app(environ, start_response)
        except Readmit:  # the first run's context is gone (teardown ran): nothing of it remains
            environ[READMIT] = True
            return super().wsgi_app(environ, start_response)


def init_web(app: Flask) -> None:
    @app.url_value_preprocessor
    def _pop_tenant(_endpoint, values):
        g.tenant_slug = values.pop("tenant", None) if values else None

    @app.url_defaults
    def _add_tenant(endpoint, values):
        if "tenant" in values or not getattr(g, "tenant_slug", None):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = g.tenant_slug

    app.url_map.converters["int"] = IdConverter
    from .auth.apikeys import MachineAwareSessions
    app.session_interface = MachineAwareSessions()
    app.view_functions["static"]._audience = "public"
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
    app.register_error_handler(HTTPException, _http_error)
    # InternalError: PostgreSQL's "read-only transaction" (25006) arrives as one
    for error in (OperationalError, InterfaceError, InternalError, DisconnectionError):
        app.register_error_handler(error, _database_error)
    app.register_error_handler(Exception, _server_error)


#: audiences that skip membership; ``api`` is public for machines (``core.auth.apikeys``)
OPEN = ("public", "api")


def _before():
    from .auth.apikeys import presented_key
    from .auth.sessions import csrf_token, load_user, session_token_hash
    sent_id = request.headers.get("X-Request-ID", "")
    g.request_id = sent_id if REQUEST_ID.fullmatch(sent_id) else secrets.token_hex(8)
    g.tenant = None
    _refuse_nul()
    view = view_function()
    kind = getattr(view, "_audience", "tenant" if g.tenant_slug else "signed_in") if view else "public"
    # a machine request: the session was never opened (MachineAwareSessions) and the key replaces CSRF
    g.api_key_token = presented_key() if kind == "api" else None
    if request.method in UNSAFE or (view is not None and needs_write_for_get(view)):
        g.write_token = write_transaction.set(True)
    if g.api_key_token is not None:
        if request.method in UNSAFE and not hasattr(view, "_api_scope"):
            abort(403)  # an api rule that writes must check its key (api_key_required)
    elif request.method in UNSAFE:  # on an api rule, never start a session just to refuse
        _check_csrf(session.get("csrf", "") if kind == "api" else csrf_token())
    admitted = bool(g.tenant_slug) and kind not in OPEN and _admit_kept(g.tenant_slug)
    if not admitted:
        load_user()
    if g.user is not None and g.user.must_change_password and request.endpoint not in PASSWORD_CHANGE_OPEN:
        return _password_change_required()
    if kind in OPEN and not g.tenant_slug:
        return None
    if g.user is None and kind not in OPEN:
        return _login_required()
    if kind == "platform" and not g.user.is_platform_admin:
        abort(404)
    if admitted:
        _refuse_module_off()
        return None
    if g.tenant_slug:
        member_id = None
        if kind in OPEN or g.user is None:
            g.tenant = load_tenant(g.tenant_slug)
        else:
            g.tenant, member_id = load_member_tenant(g.tenant_slug, g.user.id)
        enabled = enabled_for(g.tenant.id, g.tenant.plugins_rev)
        owner = current_app.extensions["jiceng.plugins"].blueprint_owner.get(request.blueprint)
        if kind in OPEN:
            running = running_for(g.tenant.id, g.tenant.plugins_rev)
            g.ctx_token = set_context(TenantContext(active=g.tenant.id, visible=(g.tenant.id,), enabled=running,
                                                    plugins_rev=g.tenant.plugins_rev, hooks=hooks_for(running),
                                                    kind=g.tenant.kind))
            refuse_off(owner, enabled)
            _refuse_paused(owner)
            return None
        if enter_tenant(g.tenant, g.user, member_id) is None:
            abort(404)
        remember(g.tenant_slug, session_token_hash(), member_id)
        refuse_off(owner, enabled)  # after entering: the page has the nav and knows who may switch it on
        _refuse_paused(owner)
    return None


def _admit_kept(slug: str) -> bool:
    """This worker's kept answer for the session and tenant, if still true (``core.tenancy.admission``)."""
    from .auth.sessions import session_token_hash, still_fresh
    token_hash = session_token_hash()
    speculate = request.method in ("GET", "HEAD") and "write_token" not in g and READMIT not in request.environ
    return token_hash is not None and admit(slug, token_hash, still_fresh, speculate)


def _refuse_module_off() -> None:
    """A kept entry skipped the tenant lookup, not the module's own checks: off or paused still refuses."""
    owner = current_app.extensions["jiceng.plugins"].blueprint_owner.get(request.blueprint)
    refuse_off(owner, enabled_for(g.tenant.id, g.tenant.plugins_rev))
    _refuse_paused(owner)


def _refuse_paused(owner: str | None) -> None:
    """A module paused after too many errors answers 503 with the reason, until it resumes."""
    if owner is None:
        return
    paused = degraded_for(g.tenant.id, g.tenant.plugins_rev).get(owner)
    if paused is not None:
        raise ModulePaused(current_app.extensions["jiceng.plugins"].plugins[owner].manifest.title, paused)


#: what an account signed in with a one-time password may reach before choosing its own password
PASSWORD_CHANGE_OPEN = frozenset({"auth.change_password", "auth.logout", "site.set_language", "static"})


def _password_change_required():
    """A one-time password opens nothing but the change form: whoever relayed it must not use it."""
    return _send_to(url_for("auth.change_password"), HTTPStatus.NO_CONTENT, HTTPStatus.FORBIDDEN,
                    "password_change_required")


def _send_to(target: str, htmx_status: int, json_status: int, json_code: str):
    """Send the browser to ``target``: htmx by ``HX-Redirect`` (a swap would put a whole page into a
    fragment), a JSON client an error it can read, a page a 303."""
    if request.headers.get("HX-Request"):
        resp = make_response("", htmx_status)
        resp.headers["HX-Redirect"] = target
        return resp
    if _wants_json():
        return _json_error(json_status, json_code)
    return redirect(target, HTTPStatus.SEE_OTHER)


def _refuse_nul() -> None:
    """NUL is in nothing a person types, and PostgreSQL can neither store nor compare it: a request
    carrying one in its address, query or form is refused here, before anything reads the value."""
    texts = [request.path, *(part for item in request.args.items(multi=True) for part in item)]
    if request.method in UNSAFE:
        texts += [part for item in request.form.items(multi=True) for part in item]
        texts += [f.filename or "" for f in request.files.values()]
    if any("\x00" in t for t in texts):
        abort(400)


def _check_csrf(expected: str) -> None:
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in ("same-origin", "none"):
        abort(403, description="cross-site")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.host:
            abort(403, description="origin")
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, expected):
        abort(403, description="csrf")


def _login_required():
    back = request.full_path.rstrip("?")
    if request.headers.get("HX-Request"):  # come back to the page, never to a fragment
        current_url = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (current_url.path + (f"?{current_url.query}" if current_url.query else "")) or "/"
    return _send_to(url_for("auth.login", next=back), HTTPStatus.UNAUTHORIZED, HTTPStatus.UNAUTHORIZED,
                    "login_required")


def _after(resp):
    h = resp.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "strict-origin-when-cross-origin"
    h["X-Frame-Options"] = "DENY"
    if current_app.config["COOKIE_SECURE"]:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if getattr(g, "user", None) is not None or request.path.startswith("/t/"):
        h["Cache-Control"] = "no-store"
    h["X-Request-ID"] = getattr(g, "request_id", "")
    if request.headers.get("HX-Request") is not None or request.path.startswith("/t/"):
        resp.vary.update(("HX-Request", "HX-Target"))
    if resp.status_code == 422:
        resp.headers["HX-Push-Url"] = "false"  # a refused form keeps the page's address
    if not g.get("api_key_token"):  # a machine request has no session, and no one to tell
        from .ui.render import toast_header
        toast_header(resp)
    _deliver_after_response(resp)
    return resp


def _deliver_after_response(resp) -> None:
    """Once the response is sent, deliver the events this request committed."""
    from .events import take_committed
    committed = take_committed()
    if not committed:
        return
    app = current_app._get_current_object()
    broker = app.config.get("BROKER_URL")
    if broker:  # Celery workers deliver them (core.tasks)
        from .tasks import send_deliveries
        resp.call_on_close(lambda: send_deliveries(broker, committed))
        return

    def deliver():
        from .events.dispatch import deliver_many
        with app.app_context():
            deliver_many(committed)
    resp.call_on_close(deliver)


def _teardown(_exc):
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - teardown must reset the context whatever happened
        log.exception("rollback in teardown failed")
    from .plugins.health import flush
    flush()  # hook errors of this request, now that its transaction has ended
    token = g.pop("ctx_token", None)
    if token is not None:
        try:
            reset_context(token)
        except ValueError:
            _current.set(None)
    _current.set(None)
    _user.set(None)
    _question.set(None)
    wtoken = g.pop("write_token", None)
    if wtoken is not None:
        write_transaction.reset(wtoken)
