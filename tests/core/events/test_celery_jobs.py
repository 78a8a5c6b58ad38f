"""Scheduled jobs and event delivery on Celery (``JICENG_BROKER_URL``): real Redis, real worker and
beat processes on this module's own database (SQLite file or PostgreSQL).

What an operator relies on: every tenant's due job runs once per slot however many beats send it
and however the broker redelivers it; a worker that dies mid-job loses nothing and the job runs
again once; a tenant whose job fails holds up no other; events committed by the app are delivered.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import clock
from core.audit.models import AuditLog
from core.db import db
from core.events.models import EventOutbox, JobRun
from core.events.slots import slot_of
from core.tasks import sender
from core.tenancy import system_scope, tenant_scope
from core.testing import build_app, make_database, redis_database
from core.testing.factories import login, post
from core.testing import test_db_kind as db_kind

from . import probe
from .celery_procs import celery_processes

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def broker():
    with redis_database() as url:
        yield url


@pytest.fixture(scope="module")
def database():
    """A database of this module's own: the worker processes see no other test's tenants."""
    os.environ.setdefault("JICENG_ARGON2_CHEAP", "1")
    config, cleanup = make_database(db_kind())
    yield config
    cleanup()


@pytest.fixture(scope="module")
def app(database, broker):
    return build_app(database, EXTRA_PLUGINS={"probe": probe.make_probe()}, BROKER_URL=broker)


def probe_tenants(create_tenant, enable_plugin, n: int):
    tenants = [create_tenant() for _ in range(n)]
    for t in tenants:
        enable_plugin(t, "probe")
    return tenants


def job_runs(app, job: str) -> dict[int, tuple]:
    with app.app_context(), system_scope("test reads job runs", read_only=True) as s:
        return {t: (clock.aware(at), status) for t, at, status in
                s.execute(select(JobRun.tenant_id, JobRun.last_run_at, JobRun.last_status).where(JobRun.job == job))}


def audit_counts(app, action: str) -> Counter:
    with app.app_context(), system_scope("test reads audit", read_only=True) as s:
        return Counter(dict(s.execute(select(AuditLog.tenant_id, func.count()).where(AuditLog.action == action)
                                      .group_by(AuditLog.tenant_id)).all()))


def test_fifty_tenants_jobs_run_once_per_slot_over_two_workers_and_two_beats(app, database, broker, tmp_path,
                                                                              create_tenant, enable_plugin):
    tenants = probe_tenants(create_tenant, enable_plugin, 50)
    ids = {t.id for t in tenants}
    failing = tenants[7].id
    (tmp_path / "fail").write_text(str(failing))
    slot = slot_of(DAY, clock.utcnow())
    started = time.monotonic()
    with celery_processes(database, broker, tmp_path) as procs:
        for name in ("w1", "w2"):
            procs.start(name)
        for name in ("b1", "b2"):  # two beats: every due slot is sent twice a second
            procs.start(name, "beat")
        procs.wait_for(lambda: ids <= set(job_runs(app, "probe.tick")) and ids <= set(job_runs(app, "probe.slow")),
                       180, "every tenant's probe jobs")
        took = time.monotonic() - started
        time.sleep(6)  # more beat rounds, and the broker's redelivery of anything unacknowledged
        assert all(p.poll() is None for p in procs.running.values()), procs.logs()
    if slot_of(DAY, clock.utcnow()) != slot:
        pytest.skip("the UTC day ended during the test: a new slot is due")
    ticks = [r for r in probe.runs(tmp_path) if r[0] == "tick"]
    assert Counter(t for _w, t, _n, _p in ticks) == Counter({i: 1 for i in ids}), "a slot ran twice or not at all"
    assert {n for _w, _t, n, _p in ticks} == {"w1", "w2"}, "both workers took tenants"
    runs = job_runs(app, "probe.tick")
    assert runs[failing] == (slot, "failed")
    assert {t: runs[t] for t in ids - {failing}} == {t: (slot, "ok") for t in ids - {failing}}
    assert audit_counts(app, "probe.tick") == Counter({i: 1 for i in ids - {failing}})  # committed once each
    print(f"celery: 50 tenants x 2 probe jobs (+ core jobs) done in {took:.1f}s on {db_kind()}")


@pytest.mark.parametrize("kill", ["worker", "pool_process"])
def test_a_killed_workers_job_runs_again_once(app, database, broker, tmp_path, create_tenant, enable_plugin, kill):
    """SIGKILL mid-job: of the whole worker (the broker hands the task to another after the
    visibility timeout) or of the pool process running it (rejected back to the queue at once)."""
    tenant, = probe_tenants(create_tenant, enable_plugin, 1)
    (tmp_path / "slow").write_text(str(tenant.id))
    slot = slot_of(DAY, clock.utcnow())

    def traced(what):
        return [r for r in probe.runs(tmp_path) if r[:2] == (what, tenant.id)]

    with celery_processes(database, broker, tmp_path) as procs:
        procs.start("w1")
        sender(broker).send_task("jiceng.run_job", args=(tenant.id, "probe.slow", slot.isoformat()), queue="jiceng")
        (_w, _t, _n, pid), = procs.wait_for(lambda: traced("slow-start"), 180, "the slow job to start")
        if kill == "worker":
            procs.kill("w1")
            procs.start("w2")
        else:
            os.kill(pid, signal.SIGKILL)
        procs.wait_for(lambda: traced("slow-done"), 180, "the job to run again")
        time.sleep(5)  # a third run would come now
    assert len(traced("slow-start")) == 2 and len(traced("slow-done")) == 1, probe.runs(tmp_path)
    assert job_runs(app, "probe.slow")[tenant.id] == (slot, "ok")
    assert audit_counts(app, "probe.slow")[tenant.id] == 1  # the killed run left nothing behind


def test_committed_events_are_delivered_by_workers_and_late_ones_by_beats_sweep(app, database, broker, tmp_path,
                                                                                create_tenant, create_user,
                                                                                enable_plugin, monkeypatch):
    from core.events import emit
    monkeypatch.setenv("PROBE_DIR", str(tmp_path))  # were the app to deliver, its trace would say so
    tenant, = probe_tenants(create_tenant, enable_plugin, 1)
    with app.app_context(), tenant_scope(tenant.id):
        late_event = probe.Pinged(note="late")  # committed, but its web worker died before sending it
        emit(late_event)
    with app.app_context(), tenant_scope(tenant.id):
        db.session.get(EventOutbox, late_event.id).created_at = clock.utcnow() - timedelta(minutes=1)

    def delivered():
        with app.app_context(), tenant_scope(tenant.id, commit=False):
            return dict(db.session.execute(select(EventOutbox.id, EventOutbox.dispatched_at)).all())

    client = app.test_client()
    login(client, create_user(tenant, "tenant_admin"))
    with celery_processes(database, broker, tmp_path) as procs:
        procs.start("w1")
        resp = post(client, f"/t/{tenant.slug}/probe/ping")
        resp.close()  # once the response is sent, the app queues the delivery
        now_event = int(resp.text)
        procs.wait_for(lambda: delivered()[now_event], 90, "the committed event")
        assert delivered()[late_event.id] is None  # nobody sent it: only the sweep finds it
        procs.start("b1", "beat")
        procs.wait_for(lambda: delivered()[late_event.id], 90, "the swept event")
        time.sleep(3)
    seen = Counter(w for w, t, _n, _p in probe.runs(tmp_path) if t == tenant.id)
    assert seen[f"event-{now_event}"] == 1 and seen[f"event-{late_event.id}"] == 1
    assert not any(w.startswith("event-") for w, _t, n, _p in probe.runs(tmp_path) if n == "-"), \
        "the web app delivered nothing itself"


def test_celery_a_core_celery_app_runs_the_jobs_with_the_installed_plugins(app, database, broker, tmp_path,
                                                                             create_tenant):
    """The documented commands: ``celery -A core.celery_app worker`` and ``beat``."""
    tenant = create_tenant()
    slot = slot_of(DAY, clock.utcnow())
    celery = [str(Path(sys.executable).with_name("celery")), "-A", "core.celery_app"]
    with celery_processes(database, broker, tmp_path, {"JICENG_PLUGINS_ONLY": ""}) as procs:
        procs.start("w1", argv=celery)
        procs.start("b1", "beat", argv=celery)
        procs.wait_for(lambda: tenant.id in job_runs(app, "core.plugin_errors_purge"), 120, "the core job")
    assert job_runs(app, "core.plugin_errors_purge")[tenant.id] == (slot, "ok")


def test_with_a_broker_the_app_runs_no_jobs_itself(database, broker):
    from core.events import scheduler
    served = build_app(database, SCHEDULER_SECONDS=0.2, BROKER_URL=broker)
    assert scheduler.start(served) is None
    assert scheduler.start(build_app(database, SCHEDULER_SECONDS=0)) is None
