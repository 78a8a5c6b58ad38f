"""Real Celery worker and beat processes for the tests: started with subprocess, stopped (or killed)
by process group, their output kept in the test's folder for the failure message."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


class Procs:
    def __init__(self, database: dict, broker: str, folder: Path, extra_env: dict | None = None):
        self.folder = folder
        self.env = {**os.environ, "JICENG_DATABASE_URL": database["SQLALCHEMY_DATABASE_URI"],
                    "JICENG_MIGRATE_DATABASE_URL": database["MIGRATE_DATABASE_URL"], "JICENG_BROKER_URL": broker,
                    "JICENG_BROKER_VISIBILITY_SECONDS": "3", "JICENG_BEAT_SECONDS": "1", "JICENG_ARGON2_CHEAP": "1",
                    "JICENG_INSTANCE": str(folder / "instance"), "PROBE_DIR": str(folder),
                    "JICENG_PLUGINS_ONLY": "probe", "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, kind: str = "worker", argv: list[str] | None = None) -> subprocess.Popen:
        """``kind`` worker or beat of the probe app, or ``argv`` for any other command."""
        if argv is None:
            argv = [sys.executable, str(HERE / "probe_worker.py")]
        if kind == "worker":
            argv = [*argv, "worker", "-n", f"{name}@%h", "-c", "2", "-P", "prefork", "-l", "info",
                    "--without-gossip", "--without-mingle", "--without-heartbeat"]
        else:
            argv = [*argv, "beat", "-l", "info", "-s", str(self.folder / f"{name}-schedule"),
                    "--pidfile", str(self.folder / f"{name}.pid")]
        log = open(self.folder / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, cwd=HERE, env={**self.env, "PROBE_WORKER": name}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL the whole process (and its pool processes), as a host or container dies."""
        proc = self.running.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.running.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.running.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.running.clear()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.folder.glob("*.log"))

    def wait_for(self, check, seconds: float, what: str):
        """Poll ``check()`` until truthy (a wait, not a speed limit: the machine may be busy)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            for name, proc in self.running.items():
                assert proc.poll() is None, f"{name} exited ({proc.returncode}) while waiting for {what}\n{self.logs()}"
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")


@contextmanager
def celery_processes(database: dict, broker: str, folder: Path, extra_env: dict | None = None):
    import redis
    (folder / "instance").mkdir(exist_ok=True)
    redis.Redis.from_url(broker).flushdb()  # no task left over from an earlier test (this module's own database)
    procs = Procs(database, broker, folder, extra_env)
    try:
        yield procs
    finally:
        procs.stop_all()
