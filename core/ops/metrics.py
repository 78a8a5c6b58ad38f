"""Prometheus metrics (``prometheus_client``): requests, latency and errors per route and per plugin,
and job runs per job.

Under gunicorn every worker is its own process: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
writable by the service (the same one for the web workers and the job worker, so ``/metrics`` shows
both) before the processes start; ``deploy/gunicorn.conf.py`` empties it at start-up and marks dead
workers. Without it each process counts alone (development, tests).

Labels stay bounded: ``route`` is the URL rule (``/t/<tenant>/grid/<int:event_id>``), never the path;
``plugin`` is the plugin owning the route's blueprint, or ``core``.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

#: request durations from a few milliseconds (cached pages) to the worker timeout
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("jiceng_http_requests_total", "HTTP requests answered, by route, plugin, method and status",
                   ("route", "plugin", "method", "status"))
LATENCY = Histogram("jiceng_http_request_duration_seconds", "Time to answer an HTTP request, by route and plugin",
                    ("route", "plugin", "method"), buckets=BUCKETS)
ERRORS = Counter("jiceng_http_errors_total", "HTTP requests answered with a server error (5xx), by route and plugin",
                 ("route", "plugin"))
HOOK_ERRORS = Counter("jiceng_plugin_hook_errors_total",
                      "Errors raised by a plugin's hook or event handler (kept from the page), by plugin and hook",
                      ("plugin", "hook"))
JOB_RUNS = Counter("jiceng_job_runs_total", "Scheduled job runs for one tenant, by job and outcome",
                   ("job", "status"))
JOB_SECONDS = Histogram("jiceng_job_duration_seconds", "Time one tenant's run of a scheduled job took, by job",
                        ("job",), buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0))

#: a request no rule matched (404s, scanners): one label, however many paths are tried
UNMATCHED = "<unmatched>"


def observe_job(name: str, status: str, seconds: float) -> None:
    JOB_RUNS.labels(name, status).inc()
    JOB_SECONDS.labels(name).observe(seconds)


class Observed:
    """WSGI middleware around the whole app (error handlers included): times each request and counts
    it under the route and plugin the app put into the environ."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = [500]

        def observing_start_response(line, headers, exc_info=None):
            status[0] = int(line[:3])
            return start_response(line, headers, exc_info)

        try:
            return self.wsgi_app(environ, observing_start_response)
        finally:
            route, plugin = environ.get("jiceng.route", (UNMATCHED, "core"))
            method = environ.get("REQUEST_METHOD", "GET")
            if method not in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}:
                method = "other"
            REQUESTS.labels(route, plugin, method, str(status[0])).inc()
            LATENCY.labels(route, plugin, method).observe(time.perf_counter() - started)
            if status[0] >= 500:
                ERRORS.labels(route, plugin).inc()


def _label_request():
    """First thing in every request: the route and the plugin it belongs to, for the middleware."""
    rule = request.url_rule
    if rule is None:
        return
    owner = current_app.extensions["jiceng.plugins"].blueprint_owner.get(request.blueprint) if request.blueprint else None
    request.environ["jiceng.route"] = (rule.rule, owner or "core")


def init_metrics(app: Flask) -> None:
    app.wsgi_app = Observed(app.wsgi_app)
    app.before_request_funcs.setdefault(None, []).insert(0, _label_request)


def allowed() -> bool:
    """Loopback callers (a Prometheus on the same host, straight to gunicorn) or the bearer token."""
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def exposition() -> tuple[bytes, str]:
    """The text exposition: this process's registry, or every process's under multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def serve_process_metrics(port: int, host: str = "127.0.0.1") -> None:
    """A process that runs jobs but serves no pages (``jiceng jobs worker``, a Celery worker) shows its
    job metrics on its own loopback port, in a background thread."""
    from prometheus_client import start_http_server
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        start_http_server(port, addr=host, registry=registry)
    else:
        start_http_server(port, addr=host)
