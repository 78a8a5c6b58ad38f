"""Drill: a bounded soak. Several people in several streets read and write at once for a while
(``JICENG_SOAK_SECONDS``, default 35; set 300 for the few minutes of a release check), under gunicorn
as deployed — two worker processes, so writes really contend across processes as they do in
production, which threads on one test client would not show. At the end every write a person was
told was saved is there, in its own street only; every volunteer's balance is what they were
awarded; every ledger verifies; no row points into another street; and a canary written in one
street never appeared in any answer to another."""
from __future__ import annotations

import random
import secrets
import threading
import time

from core.testing.live import Browser, gunicorn

from .conftest import (Rows, adjust_form, balances, event_form, ledger_verified, seconds, sqlite_integrity,
                       undelivered_after_sweep)

STREETS = 3
CLIENTS = 4


def test_a_soak_over_several_streets_ends_balanced_and_with_no_row_in_another_street(
        app, database, make_street, tmp_path):
    streets = [make_street(volunteers=2, name=f"浸泡街道{n}") for n in range(STREETS)]
    canary = f"金丝雀{secrets.token_hex(4)}"
    duration = seconds("JICENG_SOAK_SECONDS", 35)
    with gunicorn(database, tmp_path) as server:
        home = streets[0].tenant.slug
        writer = Browser(server.base)
        writer.login(streets[0].clerk, f"/t/{home}/grid/")
        assert writer.post(f"/t/{home}/grid/", event_form(streets[0], canary))[0] == 303
        # each client works in every street, signed in once per street as its clerk and its admin
        sessions = []
        for _ in range(CLIENTS):
            per_street = []
            for s in streets:
                clerk, admin = Browser(server.base), Browser(server.base)
                clerk.login(s.clerk, f"/t/{s.tenant.slug}/grid/")
                admin.login(s.admin, f"/t/{s.tenant.slug}/volunteer/")
                per_street.append((clerk, admin))
            sessions.append(per_street)

        log: list[tuple] = []  # (street index, kind, marker or path, status, seconds, canary seen, (volunteer, points))
        stop = threading.Event()

        def work(n: int) -> None:
            rng = random.Random(n)
            i = 0
            while not stop.is_set():
                i += 1
                k = rng.randrange(STREETS)
                s, (clerk, admin) = streets[k], sessions[n][k]
                slug, marker, award = s.tenant.slug, f"浸泡{k}-{n}-{i}", None
                roll = rng.random()
                if roll < 0.25:
                    kind, browser, path, form = "event", clerk, f"/t/{slug}/grid/", event_form(s, marker)
                elif roll < 0.45:
                    award = (rng.choice(s.volunteers), 1 + i % 3)
                    kind, browser, path = "adjust", admin, f"/t/{slug}/volunteer/{award[0]}/adjust"
                    form = adjust_form(marker, points=award[1])
                else:
                    path = rng.choice([f"/t/{slug}/grid/", f"/t/{slug}/volunteer/",
                                       f"/t/{slug}/volunteer/{rng.choice(s.volunteers)}", f"/t/{slug}/"])
                    kind, browser, form, marker = "read", (clerk if "/grid/" in path else admin), None, path
                started = time.monotonic()
                try:
                    status, _, body = browser.post(path, form) if form else browser.get(path)
                except OSError as exc:
                    status, body = "cut", repr(exc)
                log.append((k, kind, marker, status, time.monotonic() - started, canary in body, award))

        threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(duration)
        stop.set()
        for t in threads:
            t.join(60)
        assert len(server.workers()) == 2
        assert "unhandled error" not in server.log() and "Error handling request" not in server.log()

    statuses: dict = {}
    for entry in log:
        statuses[entry[3]] = statuses.get(entry[3], 0) + 1
    wrong = [e for e in log if e[3] != (303 if e[1] in ("event", "adjust") else 200)]
    assert not wrong, wrong[:20]  # no 500, no "database is locked", no refused form
    # the canary was shown in its own street's pages, and never in another's
    assert not [e for e in log if e[5] and e[0] != 0]

    awarded = [{v: 0 for v in s.volunteers} for s in streets]
    with Rows(database) as rows:
        for k, s in enumerate(streets):
            titles, memos = rows.titles(s.tenant.id), rows.memos(s.tenant.id)
            mine = {e[2] for e in log if e[0] == k and e[1] == "event"}
            assert mine <= titles
            assert not [t for t in titles if t.startswith("浸泡") and not t.startswith(f"浸泡{k}-")]
            for e in log:
                if e[0] == k and e[1] == "adjust":
                    assert e[2] in memos
                    awarded[k][e[6][0]] += e[6][1] * 100  # whole points, kept in 0.01-point units
            assert balances(rows, s.tenant.id) == {v: p for v, p in awarded[k].items() if p}
            assert rows.half_written(s.tenant.id) == []
            assert undelivered_after_sweep(app, rows, s.tenant.id) == 0
            assert canary in titles if k == 0 else canary not in titles
        assert rows.cross_tenant() == []
    for s in streets:
        assert "ok:" in ledger_verified(app, s.tenant.slug)
    assert sqlite_integrity(database) in ("ok", "n/a")
    times = sorted(e[4] for e in log)
    print(f"soak: {duration:.0f}s, {len(log)} requests ({len(log) / duration:.0f}/s), {statuses}, "
          f"p50 {times[len(times) // 2] * 1000:.0f} ms, p99 {times[int(len(times) * 0.99)] * 1000:.0f} ms")
