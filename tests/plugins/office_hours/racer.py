"""One racer of conftest.race: its own process and app on the shared database; signs in and warms
up (one racer at a time, so start-up never competes with the race), waits for the starting signal,
posts once, writes the answer."""
from __future__ import annotations

import fcntl
import json
import sys
import time
from pathlib import Path


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    from bs4 import BeautifulSoup

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from core.testing import build_app
    from core.testing.factories import csrf_token

    @event.listens_for(Engine, "connect")
    def _patient(dbapi_conn, _record):
        # The race is about who gets the seat. On a machine shared with other work, twenty writers
        # queueing for SQLite's one write lock can wait past core's 5 s; make bench measures the
        # production setting under load.
        if type(dbapi_conn).__module__ == "sqlite3":
            dbapi_conn.execute("PRAGMA busy_timeout=300000")
    with open(Path(spec["go"]).with_name("startup.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        app = build_app(spec["database"])
        client = app.test_client()
        resp = client.post("/login", data={"username": spec["username"], "password": spec["password"],
                                           "csrf_token": csrf_token(client)})
        assert resp.status_code == 303, resp.status_code
        for step in spec.get("warmup", []):  # a cold process spends its first second compiling, not racing
            client.post(step["url"], data={**step.get("data", {}), "csrf_token": csrf_token(client)},
                        headers={"HX-Request": "true"})
        fcntl.flock(lock, fcntl.LOCK_UN)
    Path(spec["ready"]).write_text("ready")
    while not Path(spec["go"]).exists():
        time.sleep(0.005)
    started = time.monotonic()
    resp = client.post(spec["url"], data={**spec.get("data", {}), "csrf_token": csrf_token(client)},
                       headers={"HX-Request": "true"})
    node = BeautifulSoup(resp.text, "html.parser").select_one("[data-testid]")
    Path(spec["out"]).write_text(json.dumps({"status": resp.status_code,
                                             "card": node["data-testid"] if node else None,
                                             "seconds": round(time.monotonic() - started, 3),
                                             "body": resp.text[:300]}))


if __name__ == "__main__":
    main(sys.argv[1])
