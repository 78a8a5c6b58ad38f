"""The request lifecycle: session, CSRF, tenant, context, headers, errors by audience."""
from __future__ import annotations

import hmac
import logging
import re
import secrets
from http import HTTPStatus
from urllib.parse import urlsplit

from flask import (Flask, abort, current_app, g, jsonify, make_response, redirect, render_template, request, session,
                   url_for)
from sqlalchemy.exc import DisconnectionError, InterfaceError, InternalError, OperationalError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, ServiceUnavailable
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from . import clock
from .db import db, is_postgres, is_unavailable, unwritable_reason, write_transaction
from .fields import MAX_ID
from .plugins.gate import ModuleOff, refuse_off
from .plugins.manager import hooks_for
from .plugins.state import degraded_for, enabled_for, running_for
from .tenancy.context import TenantContext, _current, _user, reset_context, set_context
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


def view_function():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


#: audiences that skip membership; ``api`` is public for machines (``core.auth.apikeys``)
OPEN = ("public", "api")


def _before():
    from .auth.apikeys import presented_key
    from .auth.sessions import csrf_token, load_user
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
    load_user()
    if g.user is not None and g.user.must_change_password and request.endpoint not in PASSWORD_CHANGE_OPEN:
        return _password_change_required()
    if kind in OPEN and not g.tenant_slug:
        return None
    if g.user is None and kind not in OPEN:
        return _login_required()
    if kind == "platform" and not g.user.is_platform_admin:
        abort(404)
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
        refuse_off(owner, enabled)  # after entering: the page has the nav and knows who may switch it on
        _refuse_paused(owner)
    return None


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
    wtoken = g.pop("write_token", None)
    if wtoken is not None:
        write_transaction.reset(wtoken)


def _wants_json() -> bool:
    if g.get("api_key_token"):  # a machine request has no session for a page to render with
        return True
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.headers.get("HX-Request"))


def _json_error(status: int, code: str, message: str = ""):
    body = {"error": {"code": code, "message": message or HTTPStatus(status).phrase, "request_id": g.get("request_id")}}
    return jsonify(body), status


MESSAGES = {
    400: _l("请求有误"), 401: _l("请先登录"), 403: _l("没有权限执行此操作"), 404: _l("页面不存在或无权访问"),
    405: _l("不支持此操作"), 409: _l("数据已被他人修改，请刷新后重试"), 413: _l("上传的文件太大"),
    422: _l("提交的内容有误"), 429: _l("操作过于频繁，请稍后再试"), 500: _l("系统出错了"),
    503: _l("系统暂时无法使用，请稍后再试"),
}
#: seconds a client is asked to wait when the database cannot be reached
RETRY_AFTER = 30


class NotAllowed(Forbidden):
    """A 403 whose reason the user should read (not the generic "no permission")."""

    def __init__(self, message: str):
        super().__init__(description="refused")
        self.message = message


class ModulePaused(ServiceUnavailable):
    """A 503 for a module paused in this tenant: says so, why, and when it comes back."""

    def __init__(self, title, paused):
        from flask_babel import gettext
        super().__init__(description="paused")
        self.message = gettext("“%(title)s”模块暂时停用", title=title)
        self.detail = gettext("它在 %(minutes)s 分钟内出错 %(errors)s 次，系统已自动暂停它，以免影响其他工作；"
                              "%(until)s 自动恢复。", minutes=paused.reason.get("minutes", "?"),
                              errors=paused.reason.get("errors", "?"),
                              until=clock.local(paused.until).strftime("%H:%M"))
        self.retry_after = max(1, int((paused.until - clock.utcnow()).total_seconds()))


class DatabaseUnwritable(ServiceUnavailable):
    """A 503 for a write the database refused (read-only file, full disk): nothing was saved, and only
    an administrator can fix it, so the page says so instead of "try again later"."""

    def __init__(self, reason: str):
        from flask_babel import gettext
        super().__init__(description=f"database {reason}")
        self.message = gettext("数据未能保存")
        if reason == "full":
            cause = gettext("服务器磁盘空间已满")
        else:  # SQLite: its file; PostgreSQL: a standby, or a server set to read-only while a disk is cleared
            cause = gettext("数据库当前处于只读状态") if is_postgres() else gettext("数据库文件处于只读状态")
        self.detail = gettext("%(cause)s，本次操作没有做任何更改。请联系系统管理员处理后再试。", cause=cause)


def _http_error(exc: HTTPException):
    from flask_babel import gettext
    status = exc.code or 500
    if status in (301, 302, 303, 307, 308):
        return exc
    told = isinstance(exc, (NotAllowed, ModulePaused, ModuleOff, DatabaseUnwritable))  # a reason to read
    message = exc.message if told else str(MESSAGES.get(status, exc.name))
    detail = exc.detail if isinstance(exc, (ModulePaused, DatabaseUnwritable)) else None
    answer = getattr(view_function(), "_api_answer", None)
    if answer is not None:  # an api rule answers in its own format; a keyless POST lacks its key
        from .auth.apikeys import missing_key_message
        return answer(status, missing_key_message() if exc.description == "csrf" else
                      f"{message}：{detail}" if detail else message)
    if status == 403 and exc.description == "csrf":
        message = gettext("页面已过期，请刷新")
    if _wants_json():
        resp = make_response(_json_error(status, exc.name.lower().replace(" ", "_"),
                                         f"{message}：{detail}" if detail else message))
    elif request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        resp = make_response(render_template("errors/_message.html", status=status,
                                             message=f"{message}：{detail}" if detail else message), status)
    elif isinstance(exc, ModuleOff):
        resp = make_response(render_template("errors/module_off.html", status=status, message=message), status)
    else:
        resp = make_response(render_template("errors/error.html", status=status, message=message, detail=detail),
                             status)
    if isinstance(exc, ModulePaused):
        resp.headers["Retry-After"] = str(exc.retry_after)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def _server_error(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error, request %s", g.get("request_id"))
    db.session.rollback()
    if current_app.testing:
        raise exc
    from werkzeug.exceptions import InternalServerError
    return _http_error(InternalServerError())


def _database_error(exc: Exception):
    """The database is down or restarting: 503 with Retry-After and the error page, not 500. A write it
    refused (read-only file, full disk): 503 saying nothing was saved and whom to tell."""
    reason = unwritable_reason(exc)
    if not is_unavailable(exc) and reason is None:
        return _server_error(exc)
    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    log.error("database %s, request %s: %s", f"refused the write ({reason})" if reason else "unavailable",
              g.get("request_id"), cause)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone
        pass
    # the page is drawn as for a visitor: the account, its tenant and their menus need the database
    g.user = g.tenant = None
    _current.set(None)
    resp = make_response(_http_error(DatabaseUnwritable(reason) if reason else ServiceUnavailable()))
    if reason is None:  # a restart ends by itself; a full disk waits for the administrator
        resp.headers["Retry-After"] = str(RETRY_AFTER)
    return resp
