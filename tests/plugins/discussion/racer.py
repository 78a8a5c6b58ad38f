"""One racer of conftest.race: its own process and app on the shared database; signs in and warms up
(one racer at a time), waits for the starting signal, posts once, writes the answer."""
from __future__ import annotations

import fcntl
import json
import sys
import time
from pathlib import Path


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    from core.testing import build_app
    from core.testing.factories import csrf_token
    with open(Path(spec["go"]).with_name("startup.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        app = build_app(spec["database"])
        client = app.test_client()
        resp = client.post("/login", data={"username": spec["username"], "password": spec["password"],
                                           "csrf_token": csrf_token(client)})
        assert resp.status_code == 303, resp.status_code
        client.get(spec["warmup"])
        fcntl.flock(lock, fcntl.LOCK_UN)
    Path(spec["ready"]).write_text("ready")
    while not Path(spec["go"]).exists():
        time.sleep(0.005)
    resp = client.post(spec["url"], data={**spec.get("data", {}), "csrf_token": csrf_token(client)},
                       headers={"HX-Request": "true"})
    Path(spec["out"]).write_text(json.dumps({"status": resp.status_code, "body": resp.text[:2000]}))


if __name__ == "__main__":
    main(sys.argv[1])
