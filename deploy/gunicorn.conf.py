"""gunicorn settings for Jiceng (``gunicorn -c deploy/gunicorn.conf.py 'core:create_app()'``)."""
import os

# Two sync workers: on two cores more workers lose throughput and p99 (quality.md §1).
workers = int(os.environ.get("JICENG_WORKERS", 2))
worker_class = "sync"
timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = os.environ.get("JICENG_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Never share a database connection across forked workers (if preload_app is turned on)."""
    from core.db import db
    try:
        db.engine.dispose(close=False)
    except RuntimeError:
        pass
