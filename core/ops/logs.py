"""Logs as one JSON object per line: what a log collector indexes without parsing free text.

Every record written while a request is served carries its request id (the caller's ``X-Request-ID``
when it is a plain token, else one of ours, sent back in the response), the tenant and the user.
JSON escapes CR, LF and ANSI sequences, so no logged value can forge a line (quality.md §53).
"""
from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect

#: attributes every LogRecord has; anything else passed with ``extra=`` is written as a field
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _loaded(row, attr: str):
    """A row's attribute without a query: after a commit or a rollback its attributes are expired, and
    reading one would load it from a database that may be down just then (a log line, or the access
    line written at the end of the request, must not turn a 503 into a 500)."""
    if row is None:
        return None
    state = inspect(row, raiseerr=False)
    if state is None:  # not a mapped row
        return getattr(row, attr, None)
    if attr == "id" and state.identity:
        return state.identity[0]
    return state.dict.get(attr)


def request_fields() -> dict:
    """The request being served, as log fields (empty outside a request); never queries the database."""
    if not has_request_context():
        return {}
    tenant, user = g.get("tenant"), g.get("user")
    rule = request.url_rule
    return {"request_id": g.get("request_id"), "tenant": g.get("tenant_slug") or _loaded(tenant, "slug"),
            "tenant_id": _loaded(tenant, "id"), "user_id": _loaded(user, "id"),
            "route": rule.rule if rule is not None else None, "method": request.method}


class JsonFormatter(logging.Formatter):
    """``{"ts": "...Z", "level": "ERROR", "logger": "core.web", "msg": "...", "request_id": ..., ...}``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        line.update((k, v) for k, v in request_fields().items() if v is not None)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._jiceng = True
    return handler


def _remember_for_access_log(_exc):
    """At the end of each request, what gunicorn's access line needs from the app (``gunicorn_log``)."""
    fields = request_fields()
    request.environ["jiceng.access"] = fields


def init_logging(app: Flask, stream=None) -> None:
    """With ``JSON_LOGS``, the root logger writes JSON lines to stderr (once per process, however
    many apps are created)."""
    app.teardown_request(_remember_for_access_log)
    if not app.config["JSON_LOGS"]:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_jiceng", False):
            root.removeHandler(handler)
    root.addHandler(json_handler(stream))
    root.setLevel(app.config["LOG_LEVEL"])
