"""Scheduled jobs as one unit of work per (tenant, job, slot): what Celery workers run.

A job's slots are its ``every`` laid end to end from the Unix epoch (a daily job's slot is the UTC
day, a 15-minute job's the quarter hour), so any number of beats compute the same slot for the
same moment. ``due()`` lists the (tenant, job, slot) whose slot has not run yet; ``run_slot()``
claims the slot on the tenant's ``job_run`` row and runs the job *in the same transaction*:

- the claim is ``UPDATE job_run SET last_run_at = slot WHERE job = … AND last_run_at < slot``
  (or the row's first INSERT, which the unique ``(tenant_id, job)`` makes single), so a second
  delivery of the same slot — a second beat, a retried or redelivered task — finds it taken and
  does nothing. On PostgreSQL it waits on the row lock until the first commits; on SQLite the
  write transaction (``BEGIN IMMEDIATE``) serialises them.
- the claim commits with the job's work or not at all: a worker killed mid-job leaves the slot
  unclaimed, and the redelivered task runs it once.

On SQLite a long job commits as it goes (:func:`core.events.jobs.checkpoint`), and the claim with
its first part: a worker killed after that leaves the rest to the job's next slot. A job that raises
rolls back its work since its last checkpoint (a savepoint taken after the claim, or the transaction
begun by the checkpoint) and the slot is recorded as failed in the same transaction as the claim, so
no other delivery can take the slot in between; it is not retried before its next slot (as the
embedded runner does) and never holds up another tenant's task.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..tenancy.models import Tenant
from ..tenancy.scopes import system_scope, tenant_scope
from .jobs import running
from .models import JobRun

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def slot_of(every: timedelta, now: datetime) -> datetime:
    """The start of the slot ``now`` falls in."""
    step = every.total_seconds()
    elapsed = (clock.aware(now) - EPOCH).total_seconds()
    return EPOCH + timedelta(seconds=(elapsed // step) * step)


def find_job(name: str):
    """``(plugin, JobSpec)`` registered under ``name``, or None."""
    from ..plugins.manager import registry
    return next(((plugin, job) for plugin, job in registry().jobs if job.name == name), None)


def due(now: datetime | None = None, tenants=None) -> list[tuple[int, str, datetime]]:
    """``(tenant id, job name, slot)`` for every active tenant, every job its plugins allow, whose
    current slot has not run; one query for the tenants and one for their job runs."""
    from ..plugins.manager import registry
    from ..plugins.state import enabled_for
    now = now or clock.utcnow()
    reg = registry()
    with system_scope("jobs due", read_only=True) as session:
        stmt = select(Tenant.id, Tenant.plugins_rev).where(Tenant.status == "active").order_by(Tenant.id)
        runs = select(JobRun.tenant_id, JobRun.job, JobRun.last_run_at)
        if tenants is not None:
            stmt = stmt.where(Tenant.id.in_(list(tenants)))
            runs = runs.where(JobRun.tenant_id.in_(list(tenants)))
        active = session.execute(stmt).all()
        last = {(t, j): clock.aware(at) for t, j, at in session.execute(runs)}
    found = []
    for tenant_id, rev in active:
        enabled = enabled_for(tenant_id, rev)
        for plugin, job in reg.jobs:
            if plugin not in reg.core_names and plugin not in enabled:
                continue
            slot = slot_of(job.every, now)
            ran = last.get((tenant_id, job.name))
            if ran is None or ran < slot:
                found.append((tenant_id, job.name, slot))
    return found


def _claim(session, name: str, slot: datetime, status: str) -> bool:
    """Take ``slot`` of job ``name`` in the current tenant's transaction; False if it is taken."""
    taken = session.execute(update(JobRun).where(JobRun.job == name, JobRun.last_run_at < slot)
                            .values(last_run_at=slot, last_status=status)
                            .execution_options(synchronize_session=False)).rowcount
    if taken:
        return True
    if session.scalar(select(JobRun.id).where(JobRun.job == name)) is not None:
        return False  # this slot (or a later one) already ran
    try:
        with session.begin_nested():
            session.add(JobRun(job=name, last_run_at=slot, last_status=status))
            session.flush()
    except IntegrityError:  # another worker inserted the first run meanwhile, and committed
        return False
    return True


def run_slot(tenant_id: int, name: str, slot: datetime) -> str:
    """:func:`_run_slot`, counted in the job metrics when it ran (``ok`` or ``failed``)."""
    import time

    from ..ops.metrics import observe_job
    started = time.perf_counter()
    outcome = _run_slot(tenant_id, name, slot)
    if outcome in ("ok", "failed"):
        observe_job(name, outcome, time.perf_counter() - started)
    return outcome


def _run_slot(tenant_id: int, name: str, slot: datetime) -> str:
    """Run job ``name`` for ``tenant_id`` in ``slot`` unless that slot already ran.

    Returns ``ok``, ``failed``, ``taken`` (ran elsewhere), ``off`` (the plugin is off for the tenant,
    the tenant is not active, or no plugin registers the job)."""
    from ..plugins.manager import registry
    from ..plugins.state import enabled_for
    from ..tenancy.context import current
    found = find_job(name)
    if found is None:
        log.warning("no plugin registers job %s", name)
        return "off"
    plugin, job = found
    with system_scope("job gate", read_only=True) as session:
        tenant = session.execute(select(Tenant.status, Tenant.plugins_rev).where(Tenant.id == tenant_id)).first()
    if tenant is None or tenant.status != "active":
        return "off"
    if plugin not in registry().core_names and plugin not in enabled_for(tenant_id, tenant.plugins_rev):
        return "off"  # switched off since the beat enqueued it: gated at call time
    slot = clock.aware(slot)
    with tenant_scope(tenant_id) as session:
        if not _claim(session, name, slot, "ok"):
            return "taken"
        work = session.begin_nested()
        try:
            with running(name):
                job.run(current())
        except Exception:  # noqa: BLE001 - the job's own failure: recorded for its slot, not retried in it
            log.exception("job %s failed for tenant %s (slot %s)", name, tenant_id, slot.isoformat())
            if work.is_active:
                work.rollback()
            else:  # the job committed part of its work (checkpoint): what came after goes
                session.rollback()
            _failed(session, name, slot)
            return "failed"
        if work.is_active:
            work.commit()
    return "ok"


def _failed(session, name: str, slot: datetime) -> None:
    """Record the slot's failure on the claim this transaction (or the job's checkpoint) holds."""
    session.execute(update(JobRun).where(JobRun.job == name, JobRun.last_run_at == slot)
                    .values(last_status="failed").execution_options(synchronize_session=False))
