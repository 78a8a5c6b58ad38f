"""A real Celery worker or beat of Jiceng with the probe plugin loaded, configured from the
environment as ``celery -A core.celery_app`` is: ``python probe_worker.py worker -n w1@%h``."""
from __future__ import annotations

import sys

from probe import make_probe

from core import create_app
from core.tasks import make_celery

flask_app = create_app({"EXTRA_PLUGINS": {"probe": make_probe()}})
app = make_celery(flask_app)

if __name__ == "__main__":
    app.start(sys.argv[1:])
