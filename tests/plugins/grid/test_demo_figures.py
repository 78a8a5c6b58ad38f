"""The demo district reproduces the seed's solved counts: 165 / 57 / 468 / 232."""
from __future__ import annotations

import json

import pytest

from core.demo import DEMO_PASSWORD
from core.testing.factories import csrf_token
from core.testing.html import text_of

SEED = {"LIVELIHOOD": 165, "URBAN_PROPERTY": 57, "SANITATION": 468, "CONSULTATION": 232}


@pytest.fixture(scope="module")
def window():
    from plugins.grid.demo import default_window
    return default_window()


@pytest.fixture(scope="module")
def demo(app, window):
    """The demo over the default window (the last 24 full months), as ``make run`` loads it."""
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130",
                                                "--window-end", window[1].strftime("%Y-%m")])
    assert result.exit_code == 0, result.output


def test_the_cli_prints_the_seed_counts_for_the_district(app, demo):
    out = app.test_cli_runner().invoke(args=["grid", "stats", "--tenant", "xiejiaji", "--format", "json"]).output
    solved = json.loads(out)["solved"]
    assert {k: solved[k] for k in SEED} == SEED


def test_the_streets_add_up_to_the_district(app, demo):
    total = {k: 0 for k in SEED}
    for slug in ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan", "xjj-lixin"):
        out = app.test_cli_runner().invoke(args=["grid", "stats", "--tenant", slug, "--format", "json"]).output
        for k in SEED:
            total[k] += json.loads(out)["solved"][k]
    assert total == SEED


def test_the_district_dashboard_shows_the_same_numbers(app, demo, window):
    client = app.test_client()
    client.post("/login", data={"username": "district-admin", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    dashboard = client.get("/t/xiejiaji/").text
    assert 'hx-get="/t/xiejiaji/grid/rollup"' in dashboard
    page = client.get(f"/t/xiejiaji/grid/rollup?from={window[0]}&to={window[1]}").text
    shown = {b: int(text_of(page, f'tr[data-bucket="{b}"] [data-solved]')) for b in SEED}
    assert shown == SEED
    card = client.get("/t/xiejiaji/grid/rollup", headers={"HX-Request": "true", "HX-Target": "widget-grid-rollup"}).text
    assert "<html" not in card
    assert {b: int(text_of(card, f'[data-bucket="{b}"] > strong[data-solved]')) for b in SEED} == SEED


def test_the_demo_map_draws_every_grid_near_xiejiaji_with_events_inside_their_grid(app, demo):
    from sqlalchemy import select

    from core.db import db
    from core.tenancy import tenant_scope
    from core.tenancy.models import Tenant
    from core.tenancy.scopes import system_scope
    from plugins.grid.models import GridEvent
    from plugins.grid.profiles import current_all, locate
    client = app.test_client()
    client.post("/login", data={"username": "street-admin", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    page = client.get("/t/xjj-xiejiaji/grid/map").text
    assert page.count("<path ") > 20 and "未绘制边界的网格" not in page
    with app.app_context(), system_scope("test: find the demo street") as session:
        street_id = session.scalar(select(Tenant.id).where(Tenant.slug == "xjj-xiejiaji"))
    with app.app_context(), tenant_scope(street_id, commit=False):
        shapes = current_all()
        assert all(116.7 < p.west < p.east < 116.95 and 32.55 < p.south < p.north < 32.65 for p in shapes)
        events = list(db.session.scalars(select(GridEvent).where(GridEvent.lat.is_not(None)).limit(200)))
        assert len(events) == 200
        assert all(locate(e.lng, e.lat).grid_id == e.grid_id for e in events)


@pytest.mark.parametrize("username", ["community-staff", "grid-worker"])
def test_the_demo_accounts_find_open_work_in_their_own_queue(app, demo, username):
    """Whoever signs in to the demo as community or grid staff sees live events, not an empty list."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    page = client.get("/t/xjj-xiejiaji/grid/").text
    assert page.count("data-event=") >= 3 and "靠山社区" in page
