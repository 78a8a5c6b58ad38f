"""Scheduled jobs: each runs per tenant where its plugin is enabled, when due; idempotent."""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from .. import clock
from ..ops.metrics import observe_job
from ..tenancy.models import Tenant
from ..tenancy.scopes import system_scope, tenant_scope
from .models import JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    #: ``<plugin>.<job>``; the run is recorded per tenant under this name.
    name: str
    every: timedelta
    #: ``run(ctx)`` inside the tenant's scope; it flushes, the runner commits.
    run: Callable


#: seconds a job leaves the SQLite file to other writers after each checkpoint
CHECKPOINT_PAUSE = 0.1
#: the job running in this thread, if any: :func:`checkpoint` is for jobs only
_running: ContextVar[str | None] = ContextVar("running_job", default=None)


@contextmanager
def running(name: str):
    token = _running.set(name)
    try:
        yield
    finally:
        _running.reset(token)


def checkpoint() -> None:
    """Commit what a long job has done so far, on SQLite, where a write transaction locks the whole
    file: a job that warned about 5,000 overdue events in one transaction held every form of every
    street waiting, then failing ("database is locked" after 5 s), for as long as it ran. Jobs are
    idempotent, so what a later failure leaves undone is done on the next run. On PostgreSQL a job
    keeps its one transaction: other writers wait only for the rows it changed."""
    if _running.get() is None:
        raise RuntimeError("checkpoint() is for scheduled jobs: a request commits once, at its end")
    from ..db import db
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
        # SQLite's waiting writers poll (every 25 to 100 ms): a job that began again at once would
        # win the lock every time and starve them
        time.sleep(CHECKPOINT_PAUSE)


def run_due(now=None, tenants=None) -> list[tuple[str, str, str]]:
    """Run every due job for every active tenant that has its plugin on; returns (tenant, job, status).

    ``tenants`` (ids) limits the run to those tenants: a test runs the jobs of the tenants it made,
    not of every tenant the session has accumulated."""
    from ..plugins.manager import registry
    from ..plugins.state import enabled_for
    now = now or clock.utcnow()
    reg = registry()
    with system_scope("jobs run", read_only=True) as session:
        stmt = select(Tenant).where(Tenant.status == "active").order_by(Tenant.id)
        if tenants is not None:
            stmt = stmt.where(Tenant.id.in_(list(tenants)))
        tenants = [(t.id, t.slug, t.plugins_rev) for t in session.scalars(stmt)]
    done = []
    for tenant_id, slug, rev in tenants:
        enabled = enabled_for(tenant_id, rev)
        for plugin, job in reg.jobs:
            if plugin not in reg.core_names and plugin not in enabled:
                continue
            with tenant_scope(tenant_id, commit=False) as session:
                last = session.scalar(select(JobRun.last_run_at).where(JobRun.job == job.name))
            if last is not None and clock.aware(last) + job.every > now:
                continue
            status = "ok"
            started = time.perf_counter()
            try:
                with tenant_scope(tenant_id) as session, running(job.name):
                    from ..tenancy.context import current
                    job.run(current())
                    _record(session, job.name, now, status)
            except Exception:  # noqa: BLE001 - one tenant's failure must not stop the others
                log.exception("job %s failed for tenant %s", job.name, slug)
                status = "failed"
                with tenant_scope(tenant_id) as session:
                    _record(session, job.name, now, status)
            observe_job(job.name, status, time.perf_counter() - started)
            done.append((slug, job.name, status))
    return done


def _record(session, name: str, now, status: str) -> None:
    row = session.scalars(select(JobRun).where(JobRun.job == name)).first()
    if row is None:
        session.add(JobRun(job=name, last_run_at=now, last_status=status))
    else:
        row.last_run_at, row.last_status = now, status
    session.flush()


