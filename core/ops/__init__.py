"""Operating Jiceng: readiness, structured logs and Prometheus metrics (issue 16 §6).

- ``/healthz``: the process answers; ``/readyz``: the database answers and every migration branch
  (core and each installed plugin's) is at its head, else 503 naming what is behind;
- logs: one JSON object per line (``JICENG_JSON_LOGS``, on in production) carrying the request id,
  tenant, user and route; gunicorn's access log in the same form (``core.ops.gunicorn_log``);
- ``/metrics``: requests, latency and errors per route and per plugin, job runs per job, in the
  Prometheus text format; loopback callers or a bearer token (``JICENG_METRICS_TOKEN``) only.
"""
from __future__ import annotations

from flask import Flask


def init_ops(app: Flask) -> None:
    from .logs import init_logging
    from .metrics import init_metrics
    from .views import ops
    init_logging(app)
    init_metrics(app)
    app.register_blueprint(ops)
