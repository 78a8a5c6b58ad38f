"""KPI formulas on hand-made data (domain/grid.md §6): honest denominators."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope

SH = timezone(timedelta(hours=8))


def at(day, hour=10):
    return datetime(2026, 3, day, hour, 0, tzinfo=SH)


@pytest.fixture
def made(app, gw):
    """Ten events in March 2026 with known outcomes."""
    from plugins.grid.models import Category, GridEvent, Transition
    with app.app_context(), tenant_scope(gw.street.id):
        cat = {c.code: c for c in db.session.scalars(select(Category))}
        def ev(n, **kw):
            base = dict(ref_no=f"K{gw.street.id}-{n}", title=f"事件{n}", category_id=cat["SA-GARBAGE"].id,
                        grid_id=gw.grid.id, created_at=at(2), state="CLOSED")
            e = GridEvent(**{**base, **kw})
            db.session.add(e)
            return e
        # due in March: 1,2 on time; 3 late; 4 open and overdue; 5 suspended (excluded); 6 rejected (excluded)
        ev(1, case_deadline=at(10), closed_at=at(9), case_on_time=True, closure_type="RESOLVED", max_level=0)
        ev(2, case_deadline=at(11), closed_at=at(10), case_on_time=True, closure_type="RESOLVED", max_level=1,
           callback_result="satisfied")
        ev(3, case_deadline=at(12), closed_at=at(20), case_on_time=False, closure_type="PARTLY_RESOLVED", max_level=0,
           callback_result="unreachable")
        ev(4, case_deadline=at(13), state="IN_PROGRESS")
        ev(5, case_deadline=at(14), state="SUSPENDED")
        ev(6, case_deadline=at(15), state="REJECTED")
        # no case clock: a consultation answered for 3 people, an on-the-spot fix
        ev(7, category_id=cat["CO-POLICY"].id, closed_at=at(5), closure_type="CONSULT_ANSWERED", demand_n=3)
        ev(8, closed_at=at(6), closure_type="RESOLVED_ON_SPOT")
        ev(9, case_deadline=at(16), closed_at=at(16, 9), case_on_time=True, closure_type="RESOLVED", max_level=0,
           callback_result="basic")
        e10 = ev(10, case_deadline=at(17), closed_at=at(17, 9), case_on_time=True, closure_type="RESOLVED", max_level=0,
                 callback_result="unsatisfied")
        db.session.flush()
        # checks: event 1 failed once then passed, event 2 passed, event 10 passed
        ids = {e.ref_no.split("-")[1]: e.id for e in db.session.scalars(select(GridEvent).where(
            GridEvent.ref_no.startswith(f"K{gw.street.id}-")))}
        for n, action in (("1", "check_fail"), ("1", "check_pass"), ("2", "check_pass"), ("10", "check_pass")):
            db.session.add(Transition(event_id=ids[n], code="T19", action=action, to_state="X", at=at(8)))
        _ = e10
    return gw


def kpis(app, gw):
    from plugins.grid import stats
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return {k.key: k for k in stats.kpis(date(2026, 3, 1), date(2026, 3, 31))}


def test_on_time_rate_keeps_open_overdue_events_in_the_denominator(app, made):
    k = kpis(app, made)
    # due: 1,2,3,4,9,10 (5 suspended and 6 rejected are out); on time: 1,2,9,10
    assert (k["due"].numerator, k["on_time"].numerator, k["on_time"].denominator) == (6, 4, 6)
    assert k["on_time"].value == "66.7%" and (k["closed"].numerator, k["closed"].denominator) == (5, 6)


def test_rework_counts_events_not_checks(app, made):
    k = kpis(app, made)
    assert (k["rework"].numerator, k["rework"].denominator) == (1, 3)


def test_satisfaction_leaves_out_unreachable_residents(app, made):
    k = kpis(app, made)
    assert (k["satisfaction"].numerator, k["satisfaction"].denominator) == (2, 3)


def test_in_grid_rate_and_the_no_clock_counts(app, made):
    k = kpis(app, made)
    assert (k["in_grid"].numerator, k["in_grid"].denominator) == (4, 5)
    assert k["answered"].numerator == 3 and k["on_spot"].numerator == 1
    assert k["resolution"].numerator == 5


def test_a_rate_with_no_denominator_shows_a_dash(app, gw):
    from plugins.grid import stats
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        k = {x.key: x for x in stats.kpis(date(2020, 1, 1), date(2020, 1, 31))}
    assert k["on_time"].value == "—"


def test_the_stats_page_shows_each_formula(app, made):
    from .conftest import client_for
    page = client_for(app, made.admin).get(f"/t/{made.street.slug}/grid/stats?from=2026-03-01&to=2026-03-31").text
    assert "仍未办结的超期事件留在分母中" in page and "66.7%" in page


def test_a_month_is_frozen_after_its_lag_and_changed_only_by_a_restatement(app, made):
    from datetime import datetime as dt

    from plugins.grid import snapshots
    from plugins.grid.models import GridEvent
    from .conftest import client_for
    with app.app_context(), tenant_scope(made.street.id):
        assert "2026-03" in snapshots.freeze_due(now=dt(2026, 4, 3, 12, 0, tzinfo=SH))
        assert "2026-03" not in snapshots.freeze_due(now=dt(2026, 4, 3, 12, 0, tzinfo=SH)), "frozen once"
    with app.app_context(), tenant_scope(made.street.id):  # a late closure after the freeze
        ev = db.session.scalars(select(GridEvent).where(GridEvent.ref_no == f"K{made.street.id}-4")).one()
        ev.state, ev.closed_at, ev.case_on_time = "CLOSED", at(30), False
    c = client_for(app, made.admin)
    page = c.get(f"/t/{made.street.slug}/grid/stats?from=2026-03-01&to=2026-03-31").text
    assert 'id="frozen"' in page and "66.7%" in page and "（4 / 6）" in page
    from core.testing.factories import post
    assert post(c, f"/t/{made.street.slug}/grid/stats/restate", {"period": "2026-03", "reason": ""}).status_code == 422
    post(c, f"/t/{made.street.slug}/grid/stats/restate", {"period": "2026-03", "reason": "4号事件补录结案"})
    page = c.get(f"/t/{made.street.slug}/grid/stats?from=2026-03-01&to=2026-03-31").text
    assert "4号事件补录结案" in page and "（6 / 6）" in page


def test_per_community_rates_hide_below_the_minimum_sample(app, made):
    from .conftest import client_for
    page = client_for(app, made.admin).get(f"/t/{made.street.slug}/grid/stats?from=2026-03-01&to=2026-03-31").text
    from core.testing.html import text_of
    table = text_of(page, "table#communities")
    assert "幸福社区" in table and "—" in table, "6 cases due is below the default sample of 10"
