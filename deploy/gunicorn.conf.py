"""gunicorn settings for Jiceng (``gunicorn -c deploy/gunicorn.conf.py 'core:create_app()'``)."""
import os

# Two sync workers: on two cores more workers lose throughput and p99 (quality.md §1).
workers = int(os.environ.get("JICENG_WORKERS", 2))
worker_class = "sync"
preload_app = True
timeout = 30
max_requests = 20000
max_requests_jitter = 5000
accesslog = "-"
forwarded_allow_ips = os.environ.get("JICENG_FORWARDED_ALLOW_IPS", "127.0.0.1")


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
