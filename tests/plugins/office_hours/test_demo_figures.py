"""The demo district reproduces seed facts §2.6: after ``jiceng demo load``, the compliance command
prints 37 studios, 24 months, 888 required and 959 held receptions, every studio-month kept, 17 held
with no visitors (5 months with no visitor at all); the pages show the same."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.demo import DEMO_PASSWORD
from core.testing.factories import csrf_token


@pytest.fixture(scope="module")
def window():
    from plugins.office_hours.demo import default_window
    return default_window()


@pytest.fixture(scope="module")
def demo(app, window):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130",
                                                "--window-end", window[1].strftime("%Y-%m")])
    assert result.exit_code == 0, result.output


def _compliance(app, slug):
    out = app.test_cli_runner().invoke(args=["office-hours", "compliance", "--tenant", slug, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_the_check_command_prints_the_seed_figures(app, demo):
    got = _compliance(app, "xiejiaji")
    assert {k: got[k] for k in ("studios", "months", "required", "held", "missed", "zero_visitor_receptions",
                                "months_kept_with_no_visitors", "all_kept")} == {
        "studios": 37, "months": 24, "required": 888, "held": 959, "missed": 0, "zero_visitor_receptions": 17,
        "months_kept_with_no_visitors": 5, "all_kept": True}


def test_the_streets_add_up_and_the_counts_of_people_and_matters(app, demo):
    streets = ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan", "xjj-lixin")
    assert sum(_compliance(app, s)["held"] for s in streets) == 959
    from core.api import db, tenant_by_slug
    from core.tenancy import tenant_scope
    from plugins.office_hours.models import Issue, Representative, Visit
    kinds, visits, issues, grid, disc = {}, 0, 0, 0, 0
    for slug in streets:
        with app.app_context():
            tid = tenant_by_slug(slug).id
        with app.app_context(), tenant_scope(tid, commit=False):
            for kind, n in db.session.execute(select(Representative.kind, func.count()).group_by(Representative.kind)):
                kinds[kind] = kinds.get(kind, 0) + n
            visits += db.session.scalar(select(func.count()).select_from(Visit))
            issues += db.session.scalar(select(func.count()).select_from(Issue))
            grid += db.session.scalar(select(func.count()).select_from(Issue).where(Issue.linked_type == "grid"))
            disc += db.session.scalar(select(func.count()).select_from(Issue).where(Issue.linked_type == "discussion"))
    assert kinds == {"party_congress": 74, "peoples_congress": 41, "cppcc": 28}
    assert (visits, issues, grid, disc) == (2700, 1180, 60, 28)


def test_a_second_load_changes_nothing(app, demo, window):
    before = _compliance(app, "xiejiaji")
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130",
                                                "--window-end", window[1].strftime("%Y-%m")])
    assert result.exit_code == 0, result.output
    assert _compliance(app, "xiejiaji") == before


def test_the_street_pages_render_the_demo(app, demo, window):
    client = app.test_client()
    client.post("/login", data={"username": "district-admin", "password": DEMO_PASSWORD,
                                "csrf_token": csrf_token(client)})
    base = "/t/xjj-lixin/office_hours"
    page = client.get(f"{base}/compliance?from={window[0]}&to={window[1]}")
    assert page.status_code == 200 and page.text.count('data-status="missed"') == 0
    for path in ("/", "/book", "/desk", "/issues", "/studios", "/widgets/next", "/widgets/risk",
                 "/widgets/overdue", "/widgets/satisfaction", f"/compliance/export?from={window[0]}&to={window[1]}"):
        assert client.get(base + path).status_code == 200, path
