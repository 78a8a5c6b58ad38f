"""Drill: a gunicorn worker killed with SIGKILL in the middle of writes, again and again, then the whole
server (master and workers) at once. Nothing a person was told was saved goes missing, nothing is left
half-written, gunicorn puts a new worker in each killed one's place, and a server started again on the
same database serves at once."""
from __future__ import annotations

import os
import random
import signal
import threading
import time

from core.testing.live import Browser, gunicorn

from .conftest import (Rows, adjust_form, event_form, ledger_verified, seconds, sqlite_integrity,
                       undelivered_after_sweep)

CLIENTS = 3


def test_killed_workers_and_a_killed_server_lose_no_answered_write_and_leave_nothing_half_written(
        app, database, make_street, tmp_path):
    street = make_street(volunteers=3)
    slug = street.tenant.slug
    kills_wanted = int(seconds("JICENG_DRILL_KILLS", 5))
    with gunicorn(database, tmp_path) as server:
        outcomes: dict[tuple[str, str], object] = {}  # (kind, marker) → status, or "cut" when the connection died
        stop = threading.Event()
        browsers = []
        for n in range(CLIENTS):
            clerk, admin = Browser(server.base), Browser(server.base)
            clerk.login(street.clerk, f"/t/{slug}/grid/")
            admin.login(street.admin, f"/t/{slug}/volunteer/")
            browsers.append((clerk, admin))

        def work(n: int) -> None:
            clerk, admin = browsers[n]
            i = 0
            while not stop.is_set():
                i += 1
                marker = f"演练{n}-{i}"
                for kind, browser, path, form in (
                        ("event", clerk, f"/t/{slug}/grid/", event_form(street, marker)),
                        ("adjust", admin, f"/t/{slug}/volunteer/{street.volunteers[i % len(street.volunteers)]}/adjust",
                         adjust_form(marker))):
                    try:
                        outcomes[(kind, marker)] = browser.post(path, form)[0]
                    except OSError:  # the worker died with the request (or the server is gone): no answer
                        outcomes[(kind, marker)] = "cut"
                        time.sleep(0.05)

        threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        killed: list[int] = []
        try:
            deadline = time.monotonic() + 120
            while sum(1 for s in outcomes.values() if s == 303) < 10:  # writes are flowing
                assert time.monotonic() < deadline, outcomes
                time.sleep(0.1)
            rng = random.Random(16)
            # kill until enough kills landed and at least two of them cut a request short (a worker
            # is nearly always mid-request here, so a few kills suffice)
            while len(killed) < kills_wanted or sum(1 for s in outcomes.values() if s == "cut") < 2:
                assert len(killed) < 4 * kills_wanted, f"{len(killed)} kills cut no request short: {outcomes}"
                time.sleep(rng.uniform(0.2, 0.6))
                victim = rng.choice(server.workers())
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                replaced = time.monotonic() + 60  # a wait, not a speed limit
                while victim in server.workers() or len(server.workers()) < 2:
                    assert time.monotonic() < replaced, "gunicorn did not replace the killed worker:\n" + server.log()
                    time.sleep(0.05)
            # gunicorn replaced every killed worker, and they serve
            assert server.proc.poll() is None and len(server.workers()) == 2
            assert not set(killed) & set(server.workers())
            answered_before = sum(1 for s in outcomes.values() if s == 303)
            while sum(1 for s in outcomes.values() if s == 303) < answered_before + 3:
                assert time.monotonic() < deadline + 120, "the new workers answer no write"
                time.sleep(0.05)
            server.stop()  # now the whole server, master and workers, mid-write: a power cut
        finally:
            stop.set()
            for t in threads:
                t.join(60)

    with gunicorn(database, tmp_path / "again") as again:  # started again on the same database
        after = Browser(again.base)
        after.login(street.clerk, f"/t/{slug}/grid/")
        assert after.post(f"/t/{slug}/grid/", event_form(street, "演练之后"))[0] == 303

    answered = {k for k, s in outcomes.items() if s == 303}
    cut = [k for k, s in outcomes.items() if s == "cut"]
    others = {k: s for k, s in outcomes.items() if s not in (303, "cut")}
    assert not others, others  # no 500, no "database is locked": a kill costs only the request it cut
    with Rows(database) as rows:
        titles, memos = rows.titles(street.tenant.id), rows.memos(street.tenant.id)
        assert {m for kind, m in answered if kind == "event"} <= titles
        assert {m for kind, m in answered if kind == "adjust"} <= memos
        assert "演练之后" in titles
        assert rows.half_written(street.tenant.id) == []
        assert undelivered_after_sweep(app, rows, street.tenant.id) == 0
    assert "ok:" in ledger_verified(app, slug)
    assert sqlite_integrity(database) in ("ok", "n/a")
    print(f"drill: {len(killed)} workers killed, then the whole server, {len(answered)} writes answered and all present, "
          f"{len(cut)} unanswered (each either whole or absent)")
