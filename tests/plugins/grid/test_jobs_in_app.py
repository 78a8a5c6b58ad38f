"""Scheduled jobs run inside the served app (no ``jiceng jobs`` process): a lease in the database lets
one worker at a time run them, and a real two-worker gunicorn delivers a due SLA warning."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from core.db import db
from core.testing import build_app, make_database
from core.tenancy import tenant_scope

from .conftest import client_for, report

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def database():
    """A SQLite file of this module's own: the embedded default, and no other test's tenants."""
    config, cleanup = make_database("sqlite")
    yield config
    cleanup()


@pytest.fixture(scope="module")
def app(database):
    return build_app(database)


def overdue(app, gw, title):
    """An event whose stage deadline has passed: the SLA job warns the dispatchers (the clerk)."""
    from plugins.grid.models import GridEvent
    e = report(app, gw, title=title)
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(GridEvent, e).stage_deadline = clock.utcnow() - timedelta(hours=1)
    return e


def titles(app, gw, user):
    from core.ui.models import Notification
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def test_the_lease_lets_one_worker_at_a_time_run_the_jobs(database, monkeypatch):
    from core.events import jobs, scheduler
    one, two = build_app(database), build_app(database)
    with one.app_context():
        assert scheduler.take_lease("one", 60)
        assert scheduler.take_lease("one", 60)  # the holder renews
    with two.app_context():
        assert not scheduler.take_lease("two", 60)
    with one.app_context():
        scheduler.release_lease("one")
    with two.app_context():
        assert scheduler.take_lease("two", 60)
        scheduler.release_lease("two")

    running, overlap, rounds = [0], [0], []
    guard = threading.Lock()

    def slow_round(*_a, **_k):
        with guard:
            running[0] += 1
            overlap[0] = max(overlap[0], running[0])
        time.sleep(0.05)
        with guard:
            running[0] -= 1
            rounds.append(threading.current_thread().name)
        return []
    monkeypatch.setattr(jobs, "run_due", slow_round)

    def worker(app):
        for _ in range(15):
            scheduler.run_once(app, 1)
            time.sleep(0.005)
    threads = [threading.Thread(target=worker, args=(a,), name=n) for a, n in ((one, "w1"), (two, "w2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert overlap[0] == 1 and len(rounds) >= 2


def test_a_due_job_runs_in_the_app_without_a_jobs_process(app, database, gw):
    from core.events import scheduler
    overdue(app, gw, "线程测试")
    served = build_app(database, SCHEDULER_SECONDS=0.2)
    client_for(served, gw.clerk).get(f"/t/{gw.street.slug}/")  # the first request starts the thread
    thread = scheduler._started.get(os.getpid())
    try:
        assert thread is not None and thread.is_alive()
        for _ in range(300):  # up to a minute on a busy machine; ends as soon as the item is there
            if "事件已超时：线程测试" in titles(app, gw, gw.clerk):
                break
            time.sleep(0.2)
        assert "事件已超时：线程测试" in titles(app, gw, gw.clerk)
    finally:
        thread.stop.set()
        thread.join(5)
        scheduler._started.pop(os.getpid(), None)


def test_two_gunicorn_workers_deliver_a_due_warning_without_a_jobs_process(app, database, gw, tmp_path):
    overdue(app, gw, "部署测试")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = database["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "JICENG_DATABASE_URL": url, "JICENG_MIGRATE_DATABASE_URL": url, "JICENG_WORKERS": "2",
           "JICENG_SCHEDULER_SECONDS": "0.5", "JICENG_INSTANCE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                             "--access-logfile", "/dev/null", "core:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60  # a wait, not a speed limit: workers boot slowly on a busy machine
        while time.monotonic() < deadline and "事件已超时：部署测试" not in titles(app, gw, gw.clerk):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.25)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert titles(app, gw, gw.clerk).count("事件已超时：部署测试") == 1
    assert "事件已超时：部署测试" in client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/inbox").text
