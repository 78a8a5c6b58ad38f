"""One run per (tenant, job, slot), decided by the database: what every Celery task relies on,
checked in-process (the worker-process tests are in test_celery_jobs.py)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from core import clock
from core.events.slots import due, run_slot, slot_of
from core.testing import build_app

from . import probe


@pytest.fixture(scope="module")
def app(database):
    """The app with the probe plugin installed (the factories enable it through this app)."""
    return build_app(database, EXTRA_PLUGINS={"probe": probe.make_probe()})


@pytest.fixture
def traces(tmp_path, monkeypatch):
    monkeypatch.setenv("PROBE_DIR", str(tmp_path))
    return tmp_path


def ticks(folder, tenant_id):
    return [r for r in probe.runs(folder) if r[:2] == ("tick", tenant_id)]


def deliver_at_once(app, tenant_id: int, slot, n: int = 6) -> tuple[list[str], list[Exception]]:
    """``run_slot`` of probe.tick from ``n`` threads released together, as redelivered tasks and a
    second beat would: what each answered, and what any raised."""
    answers, errors = [], []
    barrier = threading.Barrier(n, timeout=30)

    def deliver():
        try:
            barrier.wait()
            with app.app_context():
                answers.append(run_slot(tenant_id, "probe.tick", slot))
        except Exception as exc:  # noqa: BLE001 - the test counts them
            errors.append(exc)
    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return answers, errors


def test_slots_are_the_period_laid_from_the_epoch():
    at = datetime(2026, 3, 5, 13, 47, 12, tzinfo=timezone.utc)
    assert slot_of(timedelta(days=1), at) == datetime(2026, 3, 5, tzinfo=timezone.utc)
    assert slot_of(timedelta(minutes=15), at) == datetime(2026, 3, 5, 13, 45, tzinfo=timezone.utc)


def test_a_slot_runs_once_then_the_next_slot_runs(app, traces, create_tenant, enable_plugin):
    t = create_tenant()
    enable_plugin(t, "probe")
    slot = slot_of(timedelta(days=1), clock.utcnow())
    with app.app_context():
        assert (t.id, "probe.tick", slot) in due(tenants=[t.id])
        assert run_slot(t.id, "probe.tick", slot) == "ok"
        assert run_slot(t.id, "probe.tick", slot) == "taken"
        assert run_slot(t.id, "probe.tick", slot - timedelta(days=1)) == "taken"  # a stale retry
        assert (t.id, "probe.tick", slot) not in due(tenants=[t.id])
        assert run_slot(t.id, "probe.tick", slot + timedelta(days=1)) == "ok"
    assert len(ticks(traces, t.id)) == 2


def test_parallel_deliveries_of_one_slot_run_it_once(app, traces, create_tenant, enable_plugin):
    t = create_tenant()
    enable_plugin(t, "probe")
    answers, errors = deliver_at_once(app, t.id, slot_of(timedelta(days=1), clock.utcnow()))
    assert errors == [] and sorted(answers) == ["ok"] + ["taken"] * 5
    assert len(ticks(traces, t.id)) == 1


def test_a_failing_job_is_recorded_for_its_slot_and_not_retried_in_it(app, traces, create_tenant, enable_plugin):
    t = create_tenant()
    enable_plugin(t, "probe")
    (traces / "fail").write_text(str(t.id))
    slot = slot_of(timedelta(days=1), clock.utcnow())
    with app.app_context():
        assert run_slot(t.id, "probe.tick", slot) == "failed"
        assert run_slot(t.id, "probe.tick", slot) == "taken"


def test_parallel_deliveries_of_a_failing_slot_run_it_once(app, traces, create_tenant, enable_plugin):
    """The failure is recorded without letting go of the slot: a delivery waiting on the claim finds
    it taken, not free for the moment between the job's rollback and the record of its failure."""
    t = create_tenant()
    enable_plugin(t, "probe")
    (traces / "fail").write_text(str(t.id))
    answers, errors = deliver_at_once(app, t.id, slot_of(timedelta(days=1), clock.utcnow()))
    assert errors == [] and sorted(answers) == ["failed"] + ["taken"] * 5
    assert len(ticks(traces, t.id)) == 1


def test_a_job_is_gated_when_it_runs_and_needs_a_tenant(app, traces, create_tenant, enable_plugin, disable_plugin):
    t = create_tenant()
    enable_plugin(t, "probe")
    slot = slot_of(timedelta(days=1), clock.utcnow())
    disable_plugin(t, "probe")  # switched off after beat sent the task
    with app.app_context():
        assert (t.id, "probe.tick", slot) not in due(tenants=[t.id])
        assert run_slot(t.id, "probe.tick", slot) == "off"
        assert run_slot(None, "probe.tick", slot) == "off"  # a payload without a tenant fails closed
        assert run_slot(t.id, "nobody.registers_this", slot) == "off"
    assert ticks(traces, t.id) == []
