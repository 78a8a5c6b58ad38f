"""Queries per page are constant in data size (quality.md Q1, Q2), and lists use the tenant index."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, text

from core.db import db
from core.testing import statements_of
from core.tenancy import tenant_scope

from .conftest import client_for


def add_events(app, gw, n, start=0):
    from plugins.grid.models import GridEvent
    now = datetime.now(timezone.utc)
    rows = [{"tenant_id": gw.street.id, "ref_no": f"Q{gw.street.id}-{start + i}", "title": f"事件{i}", "description": "",
             "category_id": gw.categories["SA-GARBAGE"], "urgency": "NORMAL", "level": 0, "max_level": 0,
             "source": "GRID_PATROL", "anonymity": "named", "grid_id": gw.grid.id, "address": "", "state": "IN_PROGRESS",
             "rework_n": 0, "return_n": 0, "reopen_n": 0, "extension_n": 0, "check_n": 0, "demand_n": 1,
             "stage": "handle", "stage_deadline": now + timedelta(days=1), "deadline_explain": {},
             "calendar_complete": True, "suspended_at_deadline": False, "version": 1,
             "created_at": now - timedelta(minutes=start + i)} for i in range(n)]
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.execute(insert(GridEvent).execution_options(tenant_checked_insert=True), rows)


def count_queries(client, url) -> int:
    """Statements of one warm request (``core.testing.statements_of``)."""
    return statements_of(lambda: _ok(client.get(url)))


def _ok(resp):
    assert resp.status_code == 200


def test_the_event_list_issues_the_same_queries_at_5_and_at_50_rows(app, gw):
    client = client_for(app, gw.clerk)
    url = f"/t/{gw.street.slug}/grid/?group=all"
    client.get(url)
    add_events(app, gw, 5)
    few = count_queries(client, url)
    add_events(app, gw, 500, start=5)
    many = count_queries(client, url)
    assert few == many and many <= 12


def test_the_event_detail_and_dashboard_are_bounded(app, gw):
    client = client_for(app, gw.clerk)
    add_events(app, gw, 3)
    from .conftest import report
    e = report(app, gw)
    assert count_queries(client, f"/t/{gw.street.slug}/grid/{e}") <= 14
    assert count_queries(client, f"/t/{gw.street.slug}/") <= 10


def test_the_list_query_uses_the_tenant_leading_index(app, gw):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan; PostgreSQL plans depend on statistics and are read by make bench")
        plan = " ".join(str(r[-1]) for r in db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT * FROM grid__event WHERE tenant_id = :t ORDER BY created_at DESC, id DESC LIMIT 51"),
            {"t": gw.street.id}))
    assert "USING INDEX ix_grid__event_tenant_id_created_at_id" in plan and "TEMP B-TREE" not in plan


def test_the_list_pages_by_keyset_without_gaps_or_repeats(app, gw):
    import re

    from core.testing.html import parse, select
    add_events(app, gw, 60)
    client = client_for(app, gw.clerk)
    first = client.get(f"/t/{gw.street.slug}/grid/?group=all").text
    (earlier,) = [a["href"] for a in select(first, "a[href]") if a.get_text() == "更早的事件"]
    second = client.get(earlier).text
    shown = [re.findall(r"Q\d+-(\d+)", parse(page).get_text(" ")) for page in (first, second)]
    assert len(shown[0]) == 50 and len(shown[1]) == 10 and "更早的事件" not in second
    assert sorted(int(i) for i in shown[0] + shown[1]) == list(range(60))  # newest first, each event once
