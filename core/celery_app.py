"""The Celery app, built from the environment like the web app: ``celery -A core.celery_app worker``
and ``celery -A core.celery_app beat`` (``JICENG_BROKER_URL`` must be set; see :mod:`core.tasks`)."""
from __future__ import annotations

import os

from . import create_app
from .tasks import make_celery

flask_app = create_app()
app = make_celery(flask_app)

if os.environ.get("JICENG_WORKER_METRICS_PORT"):  # job metrics of this worker, on its own loopback port
    from .ops.metrics import serve_process_metrics
    serve_process_metrics(int(os.environ["JICENG_WORKER_METRICS_PORT"]))
