"""Drill: PostgreSQL goes away under load, as in a restart, and comes back. The shared server is never
restarted: within the test's own database every connection of the app's role is closed and new ones
are refused for a couple of seconds. Requests in the gap get a clean 503 page, nothing is half-written,
and the same workers serve again afterwards, without a restart."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.testing import require_pg
from core.testing.live import Browser, gunicorn

from .conftest import Rows, event_form, seconds, undelivered_after_sweep

CLIENTS = 3


class Gap:
    """Close the database to the app's role: refuse new connections, end the ones it holds."""

    def __init__(self, database: dict):
        url = make_url(database["SQLALCHEMY_DATABASE_URI"])
        self.name, self.role = url.database, url.username
        self.admin = create_engine(require_pg(), isolation_level="AUTOCOMMIT")

    def close(self) -> int:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            return conn.execute(text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = :d AND usename = :u"), {"d": self.name, "u": self.role}).scalar()

    def open(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))


def test_requests_in_a_database_gap_fail_cleanly_and_the_same_workers_recover(app, database, make_street,
                                                                             tmp_path):
    if not database["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # the factories write to the main database: this runs in the PostgreSQL pass
        pytest.skip("runs when the main test database is PostgreSQL")
    street = make_street(volunteers=0)
    slug = street.tenant.slug
    gap_seconds = seconds("JICENG_DRILL_GAP_SECONDS", 2)
    gap = Gap(database)
    with gunicorn(database, tmp_path) as server:
        workers = server.workers()
        browsers = []
        for _ in range(CLIENTS):
            b = Browser(server.base)
            b.login(street.clerk, f"/t/{slug}/grid/")
            browsers.append(b)
        answers: list[tuple[float, str, str, object, dict, str]] = []  # (started, kind, marker, status, headers, body)
        stop = threading.Event()

        def work(n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                marker = f"断库{n}-{i}"
                for kind in ("read", "write"):
                    started = time.monotonic()
                    try:
                        if kind == "read":
                            status, headers, body = browsers[n].get(f"/t/{slug}/grid/")
                        else:
                            status, headers, body = browsers[n].post(f"/t/{slug}/grid/", event_form(street, marker))
                    except OSError as exc:
                        status, headers, body = "cut", {}, repr(exc)
                    answers.append((started, kind, marker, status, headers, body))

        threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + 120
            while sum(1 for a in answers if a[3] == 303) < 10:  # writes are flowing
                assert time.monotonic() < deadline, [a[3] for a in answers]
                time.sleep(0.1)
            closed_at = time.monotonic()
            try:
                assert gap.close() >= 1  # the workers' connections
                time.sleep(gap_seconds / 2)
                status, headers, body = Browser(server.base).get("/readyz")
                in_gap_ready = status, body
            finally:
                time.sleep(gap_seconds / 2)
                gap.open()
            opened_at = time.monotonic()
            time.sleep(max(3.0, gap_seconds))  # the load goes on after the database is back
        finally:
            stop.set()
            for t in threads:
                t.join(60)
            gap.admin.dispose()

        assert in_gap_ready[0] == 503 and '"unavailable"' in in_gap_ready[1]
        assert server.workers() == workers  # the same workers: nothing was restarted
        status, _, body = Browser(server.base).get("/readyz")
        assert status == 200, body
        assert "unhandled error" not in server.log() and "Error handling request" not in server.log()

    statuses = {}
    for a in answers:
        statuses[a[3]] = statuses.get(a[3], 0) + 1
    assert set(statuses) <= {200, 303, 503}, {a[3]: a[5][:1500] for a in answers if a[3] not in (200, 303, 503)}
    failed = [a for a in answers if a[3] == 503]
    assert failed, "no request fell into the gap"
    for started, kind, marker, status, headers, body in failed:
        assert started < opened_at + 0.5, f"a {kind} begun after the database was back failed"
        assert headers.get("Retry-After") and "系统暂时无法使用，请稍后再试" in body and "Traceback" not in body
    after = [a for a in answers if a[0] > opened_at + 0.5]
    assert after and all(a[3] in (200, 303) for a in after)  # recovered: every later request answered

    answered = {a[2] for a in answers if a[1] == "write" and a[3] == 303}
    with Rows(database) as rows:
        assert answered <= rows.titles(street.tenant.id)
        assert rows.half_written(street.tenant.id) == []
        assert undelivered_after_sweep(app, rows, street.tenant.id) == 0  # what the gap held back goes out
    print(f"drill: gap of {opened_at - closed_at:.1f}s, answers {statuses}")
