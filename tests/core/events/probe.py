"""A throwaway plugin whose jobs and subscriber leave a trace outside the database, so a test can
count every time they ran, committed or not. Loaded by ``probe_worker.py`` in real Celery workers
(and by the test's own app) through EXTRA_PLUGINS; ``PROBE_DIR`` holds the traces and the switches:

- ``runs``: one line per run, ``<what> <tenant id> <worker> <pid>`` (appends of one short line are atomic)
- ``fail``: tenant ids whose ``probe.tick`` raises
- ``slow``: tenant ids whose ``probe.slow`` sleeps on its first start (to be killed), not on a rerun
"""
from __future__ import annotations

import os
import time
import types
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Blueprint

from core.events import Event
from core.events.jobs import JobSpec
from core.plugins.hookspecs import hookimpl
from core.plugins.manifest import PluginManifest


@dataclass
class Pinged(Event):
    name = "probe.pinged"
    note: str = ""


def _dir() -> Path:
    return Path(os.environ["PROBE_DIR"])


def trace(what: str, tenant_id: int) -> None:
    line = f"{what} {tenant_id} {os.environ.get('PROBE_WORKER', '-')} {os.getpid()}\n"
    fd = os.open(_dir() / "runs", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def runs(directory: Path) -> list[tuple[str, int, str, int]]:
    """``(what, tenant id, worker, process id)`` of every run so far."""
    path = Path(directory) / "runs"
    if not path.exists():
        return []
    return [(w, int(t), worker, int(pid)) for w, t, worker, pid in (line.split() for line in path.read_text().splitlines())]


def _listed(name: str, tenant_id: int) -> bool:
    path = _dir() / name
    return path.exists() and str(tenant_id) in path.read_text().split()


def tick(ctx) -> None:
    from core.audit.service import record
    trace("tick", ctx.active)
    if _listed("fail", ctx.active):
        raise RuntimeError("probe: this tenant's job fails")
    record("probe.tick")


def slow(ctx) -> None:
    from core.audit.service import record
    if not _listed("slow", ctx.active):
        return
    first = not any(r[:2] == ("slow-start", ctx.active) for r in runs(_dir()))
    trace("slow-start", ctx.active)
    if first:
        time.sleep(120)  # the test kills this worker meanwhile
    record("probe.slow")
    trace("slow-done", ctx.active)


def make_probe():
    m = types.ModuleType("probe_plugin")
    m.MANIFEST = PluginManifest(name="probe", title="探针", description="测试用模块")
    bp = Blueprint("probe", __name__)

    @bp.post("/ping")
    def ping():
        from core.db import db
        from core.events import emit
        event = Pinged(note="request")
        emit(event)
        db.session.commit()
        return str(event.id)

    class Impl:
        @hookimpl
        def register_blueprints(self, app):
            return [bp]

        @hookimpl
        def register_jobs(self):
            return [JobSpec("probe.tick", timedelta(days=1), tick), JobSpec("probe.slow", timedelta(days=1), slow)]

        @hookimpl
        def register_event_types(self):
            return [Pinged]

        @hookimpl
        def on_event(self, event, ctx):
            if event.name == "probe.pinged":
                trace(f"event-{event.id}", ctx.active)

    impl = Impl()
    for name in ("register_blueprints", "register_jobs", "register_event_types", "on_event"):
        setattr(m, name, getattr(impl, name))
    return m
