"""Scheduled jobs and event delivery on Celery, when ``JICENG_BROKER_URL`` (Redis) is set.

Beat sends ``jiceng.enqueue_due`` and ``jiceng.sweep_events`` every ``JICENG_BEAT_SECONDS``; a
worker running the first sends one ``jiceng.run_job`` per (tenant, due job, slot), the second one
``jiceng.deliver_event`` per event left undelivered. Web workers send ``jiceng.deliver_event`` for
the events a request committed instead of delivering them themselves.

Nothing here trusts the broker to deliver once: tasks are acknowledged late and given back when
their worker dies (``acks_late``, ``reject_on_worker_lost``, Redis's visibility timeout), so a task
may run again, and two beats send the same slot twice. The database decides: a job's slot is
claimed on its ``job_run`` row in the transaction that does the work (:mod:`core.events.slots`),
and an event is delivered under its outbox row's lock. Each task is one tenant's, so a tenant
whose job fails or hangs holds up no other.

``core.celery_app`` builds the app from the environment: ``celery -A core.celery_app worker``.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from celery import Celery, Task, signals
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
QUEUE = "jiceng"
#: what the database says when it is briefly unavailable or busy: the task is tried again
RETRY_ON = (OperationalError,)


def celery_config(config: dict) -> dict:
    return {
        "broker_url": config["BROKER_URL"],
        "task_default_queue": QUEUE,
        "task_acks_late": True,  # acknowledged when done: a task whose worker dies is not lost ...
        "task_reject_on_worker_lost": True,  # ... and a pool process killed mid-task gives it back at once
        "worker_prefetch_multiplier": 1,  # a worker holds one task per process, not a queue of other tenants'
        "task_ignore_result": True,
        "broker_transport_options": {"visibility_timeout": config["BROKER_VISIBILITY_SECONDS"]},
        "broker_connection_retry_on_startup": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "enable_utc": True,
        "timezone": "UTC",
        "beat_schedule": {
            "jobs": {"task": "jiceng.enqueue_due", "schedule": config["BEAT_SECONDS"]},
            "events": {"task": "jiceng.sweep_events", "schedule": config["BEAT_SECONDS"]},
        },
        "beat_schedule_filename": str(Path(config["INSTANCE_DIR"]) / "celerybeat-schedule"),
    }


def make_celery(flask_app) -> Celery:
    """The Celery app of ``flask_app``: its tasks run inside its app context."""
    if not flask_app.config.get("BROKER_URL"):
        raise RuntimeError("JICENG_BROKER_URL is not set: jobs run inside the app (see README, configuration)")
    from .db import db

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                try:
                    return super().__call__(*args, **kwargs)
                finally:
                    db.session.remove()

    celery = Celery("jiceng", task_cls=FlaskTask)
    celery.conf.update(celery_config(flask_app.config))
    celery.flask_app = flask_app
    _register(celery, flask_app)

    @signals.worker_process_init.connect(weak=False)
    def _forked(**_kw):
        """A pool process never shares the parent's database connections."""
        from .tenancy.scopes import _engines
        with flask_app.app_context():
            db.engine.dispose(close=False)
        for engine in _engines.values():
            engine.dispose(close=False)
    return celery


def _register(celery: Celery, flask_app) -> None:
    limit = flask_app.config["JOB_TIME_LIMIT"]

    @celery.task(name="jiceng.run_job", autoretry_for=RETRY_ON, retry_backoff=2, retry_backoff_max=60,
                 max_retries=8, soft_time_limit=limit)
    def run_job(tenant_id: int, job: str, slot: str) -> str:
        from .events.slots import run_slot
        status = run_slot(tenant_id, job, datetime.fromisoformat(slot))
        log.info("job %s tenant %s slot %s: %s", job, tenant_id, slot, status)
        return status

    @celery.task(name="jiceng.enqueue_due", autoretry_for=RETRY_ON, retry_backoff=2, max_retries=3)
    def enqueue_due() -> int:
        from .events.slots import due, find_job
        found = due()
        for tenant_id, job, slot in found:
            spec = find_job(job)[1]
            # a task still queued when its next slot starts is superseded by that slot's
            run_job.apply_async((tenant_id, job, slot.isoformat()), expires=slot + spec.every)
        return len(found)

    @celery.task(name="jiceng.deliver_event", autoretry_for=RETRY_ON, retry_backoff=2, retry_backoff_max=60,
                 max_retries=8)
    def deliver_event(tenant_id: int, event_id: int) -> bool:
        from .events.dispatch import deliver
        return deliver(tenant_id, event_id)

    @celery.task(name="jiceng.sweep_events", autoretry_for=RETRY_ON, retry_backoff=2, max_retries=3)
    def sweep_events() -> int:
        from .events.dispatch import due_events
        found = due_events()
        for tenant_id, event_id in found:
            deliver_event.delay(tenant_id, event_id)
        return len(found)


# -- sending from the web app ---------------------------------------------------------------------

_senders: dict[str, Celery] = {}


def sender(broker_url: str) -> Celery:
    """A Celery app that only sends (the web workers): no tasks, no app context."""
    app = _senders.get(broker_url)
    if app is None:
        app = _senders[broker_url] = Celery("jiceng-sender", broker=broker_url, set_as_current=False)
        app.conf.update(task_default_queue=QUEUE, broker_connection_retry_on_startup=True,
                        broker_transport_options={"max_retries": 2})
    return app


def send_deliveries(broker_url: str, pairs: list[tuple[int, int]]) -> None:
    """Queue delivery of committed events; if the broker is down, the sweep delivers them later."""
    try:
        app = sender(broker_url)
        for tenant_id, event_id in pairs:
            app.send_task("jiceng.deliver_event", args=(tenant_id, event_id), queue=QUEUE)
    except Exception:  # noqa: BLE001 - the outbox keeps them; beat's sweep sends them again
        log.exception("could not queue %d event deliveries; the sweep will", len(pairs))
