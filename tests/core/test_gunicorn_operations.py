"""Under gunicorn as deployed (deploy/gunicorn.conf.py, two workers): /metrics adds up every worker's
requests (multi-process mode), and the access log is one JSON object per request."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, **headers):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
        return resp.status, dict(resp.headers), resp.read().decode()


def test_two_workers_share_metrics_and_write_json_access_lines(database, tmp_path):
    port = free_port()
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    (metrics_dir / "stale_from_last_run.db").write_bytes(b"left over")  # emptied at start-up
    access = tmp_path / "access.log"
    url = database["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "JICENG_DATABASE_URL": url, "JICENG_MIGRATE_DATABASE_URL": database["MIGRATE_DATABASE_URL"],
           "JICENG_WORKERS": "2", "JICENG_SCHEDULER_SECONDS": "0", "JICENG_INSTANCE": str(tmp_path),
           "JICENG_JSON_LOGS": "1", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                             "--access-logfile", str(access), "core:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "error.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a wait, not a speed limit: workers boot slowly on a busy machine
        while True:
            assert proc.poll() is None, (tmp_path / "error.log").read_text()[-2000:]
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert not (metrics_dir / "stale_from_last_run.db").exists()
        for i in range(40):
            status, headers, body = get(f"{base}/readyz", **{"X-Request-ID": f"probe-{i}"})
            assert status == 200 and headers["X-Request-ID"] == f"probe-{i}"
            assert json.loads(body)["status"] == "ok"
        status, _, text = get(f"{base}/metrics")
        assert status == 200
        counted = 0.0
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == "jiceng_http_requests_total" and s.labels["route"] == "/readyz" \
                        and s.labels["status"] == "200" and s.labels["plugin"] == "core":
                    counted += s.value
        assert counted == 40  # every worker's count, whichever served each request (and /metrics itself)
        assert list(metrics_dir.glob("counter_*.db")), "the workers write their counts to the shared directory"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    lines = [json.loads(line) for line in access.read_text().splitlines()]  # each line one JSON object
    errors = [json.loads(line) for line in (tmp_path / "error.log").read_text().splitlines()]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["msg"] for line in errors)
    readies = [line for line in lines if line.get("path") == "/readyz"]
    # the workers each write their own lines, so two may land out of order
    assert sorted(line["request_id"] for line in readies) == sorted(f"probe-{i}" for i in range(40))
    first = readies[0]
    assert first["status"] == 200 and first["method"] == "GET" and first["route"] == "/readyz"
    assert first["plugin"] == "core" and first["duration_ms"] >= 0 and first["ts"].endswith("Z")
