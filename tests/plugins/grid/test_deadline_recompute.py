"""docs/grid.md §4 rule 4 and invariant 6: a holiday notice moves a provisional deadline once, to where the
limits in force at dispatch put it from the real dispatch time, and says so on the event's timeline."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core import calendar as core_calendar
from core import clock
from core.calendar import CalendarDay
from core.db import db
from core.tenancy import tenant_scope
from core.tenancy.context import current

from .conftest import act, client_for, report

#: a 2027 notice (the year is provisional until it is loaded): 春节 off from Fri 5 Feb to Sun 14 Feb
SPRING = [(date(2027, 2, d), "春节") for d in (5, 8, 9, 10, 11, 12)]


def at(local: datetime) -> None:
    """Set the app's clock to ``local`` Asia/Shanghai time."""
    clock.reset()
    clock.travel((local.replace(tzinfo=clock.SHANGHAI) - datetime.now(timezone.utc)).total_seconds())


def shanghai(value) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def provisional_2027(app):
    """2027 has no notice during the test, and none is left behind."""
    def wipe():
        with app.app_context():
            db.session.query(CalendarDay).filter(CalendarDay.day >= date(2027, 1, 1),
                                                 CalendarDay.day <= date(2027, 12, 31)).delete()
            db.session.commit()
    wipe()
    with app.app_context():
        assert not core_calendar.WorkCalendar().complete(2027), "the test needs 2027 to be provisional"
    yield
    clock.reset()
    wipe()


def dispatched(app, gw, code: str, when: datetime, **extra) -> int:
    at(when - timedelta(minutes=30))
    e = report(app, gw, code, source="GRID_PATROL", reporter_phone="", **extra)
    act(app, gw, gw.clerk, e, "register")
    at(when)
    assert act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id).status_code == 200
    return e


def load_notice_and_recompute(app, gw, notice=SPRING) -> int:
    """A platform admin enters the notice; the grid's hourly job recomputes what was provisional."""
    from plugins.grid.jobs import recompute_provisional
    with app.app_context(), tenant_scope(gw.street.id):
        core_calendar.load_notice(2027, notice, [], "国办发明电〔2026〕号")
    with app.app_context(), tenant_scope(gw.street.id):
        return recompute_provisional(current())


def deadlines(app, gw, e):
    from plugins.grid.models import GridEvent, Transition
    with app.app_context(), tenant_scope(gw.street.id, commit=False) as session:
        ev = session.get(GridEvent, e)
        logged = list(session.scalars(select(Transition.payload).where(Transition.event_id == e,
                                                                        Transition.code == "CAL")))
        return ev.case_deadline, ev.handle_deadline, ev.calendar_complete, logged


def test_a_spring_festival_notice_moves_a_deadline_from_the_real_dispatch_time(app, gw, provisional_2027):
    # 垃圾堆放: 1 working day to handle, 1 to check, dispatched Thursday 4 Feb 2027 at 16:00
    e = dispatched(app, gw, "SA-GARBAGE", datetime(2027, 2, 4, 16, 0))
    case, handle, complete, _ = deadlines(app, gw, e)
    assert (shanghai(handle), shanghai(case), complete) == ("2027-02-05 16:00", "2027-02-08 16:00", False)

    assert load_notice_and_recompute(app, gw) == 1
    case, handle, complete, logged = deadlines(app, gw, e)
    # handling: the first working day after 4 Feb is Mon 15 Feb; the check day is Tue 16 Feb, same clock time
    assert shanghai(handle) == "2027-02-15 16:00"
    assert shanghai(case) == "2027-02-16 16:00", "not 17 Feb 08:30: the handling limit counts from dispatch, once"
    assert complete and len(logged) == 1
    assert logged[0]["new"].startswith("2027-02-16T08:00")  # 16:00 Beijing, stored in UTC
    page = client_for(app, gw.checker).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "放假安排公布后重新计算结案时限：2027-02-08 16:00 → 2027-02-16 16:00" in page
    assert "该年度放假安排尚未公布" not in page

    assert load_notice_and_recompute(app, gw) == 0, "recomputed once"
    assert len(deadlines(app, gw, e)[3]) == 1


def test_a_relaxed_category_limit_never_reaches_an_event_already_dispatched(app, gw, provisional_2027):
    from plugins.grid.models import Category
    # 楼道堆物: 2 working days, dispatched Monday 1 March 2027 at 10:00; no holiday near it
    e = dispatched(app, gw, "SA-CORRIDOR", datetime(2027, 3, 1, 10, 0))
    case, handle, _complete, _ = deadlines(app, gw, e)
    assert (shanghai(handle), shanghai(case)) == ("2027-03-03 10:00", "2027-03-04 10:00")
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(Category, gw.categories["SA-CORRIDOR"]).limit_value = 10  # relaxed after dispatch

    assert load_notice_and_recompute(app, gw) == 1
    case, handle, complete, logged = deadlines(app, gw, e)
    assert (shanghai(handle), shanghai(case)) == ("2027-03-03 10:00", "2027-03-04 10:00"), "not 18 March"
    assert complete and len(logged) == 1
