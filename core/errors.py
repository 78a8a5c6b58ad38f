"""Errors as their audience reads them: a page, an htmx fragment, JSON for a machine, an api rule's own
format; the database down (503, try again) and the database refusing a write (503, tell the
administrator) told apart."""
from __future__ import annotations

import logging
from http import HTTPStatus

from flask import current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden, HTTPException, ServiceUnavailable

from . import clock
from .db import db, is_postgres, is_unavailable, unwritable_reason
from .plugins.gate import ModuleOff
from .tenancy.context import _current

log = logging.getLogger(__name__)


def view_function():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


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
