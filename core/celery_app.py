"""The Celery app, built from the environment like the web app: ``celery -A core.celery_app worker``
and ``celery -A core.celery_app beat`` (``JICENG_BROKER_URL`` must be set; see :mod:`core.tasks`)."""
from __future__ import annotations

from . import create_app
from .tasks import make_celery

flask_app = create_app()
app = make_celery(flask_app)
