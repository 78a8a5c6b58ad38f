"""The demo district reproduces the seed's discussion figures (seed facts §2.6), by the CLI and on the pages."""
from __future__ import annotations

import json

import pytest

from core.demo import DEMO_PASSWORD
from core.testing.factories import csrf_token


@pytest.fixture(scope="module")
def demo(app):
    from plugins.grid.demo import default_window
    end = default_window()[1]
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130",
                                                "--window-end", end.strftime("%Y-%m")])
    assert result.exit_code == 0, result.output


def _stats(app, slug):
    out = app.test_cli_runner().invoke(args=["discussion", "stats", "--tenant", slug, "--format", "json"]).output
    return json.loads(out)


def test_the_cli_prints_the_seed_figures_for_the_district(app, demo):
    f = _stats(app, "xiejiaji")
    assert (f["stations"], f["street_stations"], f["co_building_units"], f["cycles"]) == (42, 5, 111, 336)
    assert f["quarterly_compliance"] == 100.0 and f["compliant_cycles"] == 336
    assert (f["office_hours_matters"], f["office_hours_sent_back"]) == (28, 28)
    assert (f["demands"], f["resources"], f["projects"], f["claims"]) == (1000, 800, 250, 900)
    assert (f["rolled_over_once"], f["long_undecided"]) == (4, 1)


def test_the_streets_add_up_to_the_district(app, demo):
    streets = [_stats(app, s) for s in ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan",
                                        "xjj-lixin")]
    assert sum(s["stations"] for s in streets) == 42 and sum(s["cycles"] for s in streets) == 336
    assert [s["co_building_units"] for s in streets] == [27, 15, 24, 21, 24]


def test_a_street_admin_sees_the_stations_lists_and_the_report(app, demo):
    client = app.test_client()
    client.post("/login", data={"username": "street-admin", "password": DEMO_PASSWORD,
                                "csrf_token": csrf_token(client)})
    page = client.get("/t/xjj-xiejiaji/discussion/").text
    assert page.count("“谢家集先锋”党群议事站") == 10  # the street's 大工委 and its 9 communities' 大党委
    report = client.get("/t/xjj-xiejiaji/discussion/report").text
    assert "季度联席会议合规率" in report and "100.0%" in report
    xlsx = client.get("/t/xjj-xiejiaji/discussion/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    matters = client.get("/t/xjj-xiejiaji/discussion/matters").text
    assert "居民在党代表工作室反映的问题" in matters and "已办结" in matters
