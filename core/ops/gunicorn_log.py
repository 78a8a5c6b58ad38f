"""gunicorn's access and error logs as JSON lines (``logger_class`` in ``deploy/gunicorn.conf.py``).

One access line per request: request id, method, path without its query string (queries carry
searched names and phone numbers, which logs must not), status, duration, bytes, the client address,
and what the app put into the environ: route, plugin, tenant and user id.
"""
from __future__ import annotations

import json
import logging
import time

from gunicorn.glogging import Logger

from .logs import JsonFormatter


class JsonLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        seen = environ.get("jiceng.access", {})
        route, plugin = environ.get("jiceng.route", (None, None))
        now = time.time()
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
                "level": "INFO", "logger": "access", "request_id": seen.get("request_id"),
                "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                "status": getattr(resp, "status_code", None), "duration_ms": round(request_time.total_seconds() * 1000, 2),
                "bytes": getattr(resp, "sent", None), "remote": environ.get("REMOTE_ADDR"),
                "route": route, "plugin": plugin, "tenant": seen.get("tenant"), "tenant_id": seen.get("tenant_id"),
                "user_id": seen.get("user_id")}
        try:
            self.access_log.info(json.dumps({k: v for k, v in line.items() if v is not None}, ensure_ascii=False))
        except Exception:  # noqa: BLE001 - as gunicorn's own access(): a log line never fails a request
            self.error("access log line failed")
