"""The demo district: 128 compounds, every one covered (seed facts #17, #41), by the CLI and on the
pages; tickets in every state, and the first supervision run escalates the two left untouched."""
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


def _coverage(app, slug):
    result = app.test_cli_runner().invoke(args=["property", "coverage", "--tenant", slug, "--format", "json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_128_compounds_all_covered_in_the_district(app, demo):
    f = _coverage(app, "xiejiaji")
    assert (f["compounds"], f["covered"], f["compound_pct"]) == (128, 128, 100.0)
    assert f["household_pct"] == 100.0 and f["area_pct"] == 100.0 and f["gaps"] == []
    assert f["by_mode"]["fallback"] > 0 and f["by_mode"]["professional"] > 0
    streets = [_coverage(app, s) for s in ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan",
                                           "xjj-lixin")]
    assert sum(s["compounds"] for s in streets) == 128


def test_the_pages_show_it_and_the_supervision_job_escalates_the_untouched(app, demo):
    from sqlalchemy import func, select

    from core.api import db
    from core.tenancy import tenant_scope
    from core.tenancy.models import Tenant
    from plugins.property.models import Ticket
    from plugins.property.services import supervision
    c = app.test_client()
    resp = c.post("/login", data={"username": "street-admin", "password": DEMO_PASSWORD, "csrf_token": csrf_token(c)})
    assert resp.status_code == 303
    page = c.get("/t/xjj-xiejiaji/property/coverage")
    assert page.status_code == 200 and "100.0%" in page.text
    assert c.get("/t/xjj-xiejiaji/property/tickets").status_code == 200
    with app.app_context():
        street = db.session.scalar(select(Tenant.id).where(Tenant.slug == "xjj-xiejiaji"))
        db.session.remove()
        with tenant_scope(street):
            states = dict(db.session.execute(select(Ticket.state, func.count()).group_by(Ticket.state)).all())
            assert {"CLOSED", "DECLINED", "IN_PROGRESS", "NEW"} <= set(states)
            from core.api import clock
            for t in db.session.scalars(select(Ticket).where(Ticket.state == "IN_PROGRESS")):
                # a ticket in hand: its number carries the day it came in and its deadline lies after that
                assert t.ref_no.startswith(f"WY{clock.local(t.created_at):%Y%m%d}-"), t.ref_no
                assert clock.aware(t.complete_due) > clock.aware(t.created_at), t.ref_no
            assert supervision.run()["escalated"] == 2
