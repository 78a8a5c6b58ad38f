"""Where one bench page's time goes, in-process: client CPU per warm request, and on PostgreSQL the
CPU its server processes spent for it (read from /proc, so run it on a quiet machine).

    python tests/perf/page_cost.py sqlite|postgresql list|detail|fragment|dashboard [requests]

The same seed as ``make bench`` at 1×; PostgreSQL is a throwaway database under JICENG_TEST_PG_URL,
served through the runtime role. No HTTP server: what differs between the two databases is what the
request does in the worker and in the database, which this isolates from wrk and gunicorn.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def postgres_cpu_seconds() -> float:
    """User and system CPU of every postgres process so far."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except OSError:  # the process ended meanwhile
            pass
    return total / os.sysconf("SC_CLK_TCK")


def main(kind: str, page: str, n: int) -> None:
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="jiceng-cost-")
    env = {"JICENG_ENV": "production", "JICENG_SECRET_KEY": "b" * 48, "JICENG_INSTANCE": tmp,
           "JICENG_PROXY_HOPS": "0", "JICENG_SCHEDULER_SECONDS": "0", "JICENG_ARGON2_CHEAP": "1",
           "JICENG_DATABASE_URL": f"sqlite:///{tmp}/cost.db"}
    pg = None
    if kind == "postgresql":
        from core.testing import PgDatabase, pg_admin_url
        if not pg_admin_url():
            sys.exit("postgresql needs JICENG_TEST_PG_URL (see README)")
        pg = PgDatabase(pg_admin_url())
        env.update(JICENG_DATABASE_URL=pg.app_url, JICENG_MIGRATE_DATABASE_URL=pg.owner_url)
    os.environ.update(env)
    try:
        subprocess.run([str(Path(sys.executable).with_name("jiceng")), "db", "upgrade"], check=True,
                       capture_output=True, cwd=ROOT)
        from core import create_app
        from tests.perf.bench import settle
        from tests.perf.seed import seed
        app = create_app()
        info = seed(app, 1)
        settle(pg)
        app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain HTTP
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": info["username"], "password": info["password"], "csrf_token": token})
        base = f"/t/{info['slug']}"
        url, headers = {"list": (f"{base}/grid/?group=all", {}), "detail": (f"{base}/grid/{info['event_id']}", {}),
                        "fragment": (f"{base}/grid/?group=all", {"HX-Request": "true", "HX-Target": "event-rows"}),
                        "dashboard": (f"{base}/", {})}[page]
        for _ in range(200):  # warm: templates, caches, prepared statements
            assert client.get(url, headers=headers).status_code == 200
        server, wall, cpu = postgres_cpu_seconds(), time.perf_counter(), time.process_time()
        for _ in range(n):
            client.get(url, headers=headers)
        wall, cpu, server = time.perf_counter() - wall, time.process_time() - cpu, postgres_cpu_seconds() - server
        print(f"{kind} {page}: {wall / n * 1e6:.0f} µs wall, {cpu / n * 1e6:.0f} µs worker CPU, "
              f"{server / n * 1e6 if pg else 0:.0f} µs PostgreSQL CPU per request ({n} requests)")
    finally:
        if pg:
            pg.drop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3000)
