"""gunicorn settings for Jiceng (``gunicorn -c deploy/gunicorn.conf.py 'core:create_app()'``).

Environment: ``JICENG_WORKERS`` (default 2, one per core: measured in deploy/README.md),
``JICENG_JSON_LOGS`` (JSON access and error lines; on when ``JICENG_ENV=production``),
``PROMETHEUS_MULTIPROC_DIR`` (metrics of all workers at /metrics; emptied here at start-up).
"""
import os
import shutil
from pathlib import Path

# Two sync workers on two cores: 1 leaves a core idle, 4 lose p99 to switching (deploy/README.md).
workers = int(os.environ.get("JICENG_WORKERS", 2))
worker_class = "sync"
preload_app = True
timeout = 30
max_requests = 20000
max_requests_jitter = 5000
accesslog = "-"
if os.environ.get("JICENG_JSON_LOGS", "1" if os.environ.get("JICENG_ENV") == "production" else "0").lower() in {
        "1", "true", "yes", "on"}:
    logger_class = "core.ops.gunicorn_log.JsonLogger"
# gunicorn's control socket (~/.gunicorn/gunicorn.ctl) is shared by every gunicorn of the user; not used
control_socket_disable = True
forwarded_allow_ips = os.environ.get("JICENG_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Metrics files of a previous run would be added to this one's: start from an empty directory."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        if path.is_dir():
            for item in path.iterdir():
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker that exits (recycled after max_requests, killed) keeps its counters, but its gauges go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """Never share a database connection across forked workers (preload_app), and start the worker's
    scheduler thread here, never in the master."""
    from core.db import db
    from core.events.scheduler import start
    app = server.app.wsgi()
    try:
        with app.app_context():
            db.engine.dispose(close=False)
    except RuntimeError:
        pass
    start(app)  # scheduled jobs in this worker; a lease lets one worker at a time run them


def when_ready(server):
    """The app is preloaded in the master: compile every template here, once, so that a worker forked
    later (recycled after max_requests) serves its first requests at full speed instead of compiling
    under load."""
    app = server.app.wsgi()
    env = app.jinja_env
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 - a broken template is reported when it is used, not at start-up
            server.log.exception("template %s does not compile", name)
