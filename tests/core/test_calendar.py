"""Deadlines on the Chinese working-day calendar, explained (domain/grid.md §4)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core import calendar as cal
from core.calendar import CalendarOverride, WorkCalendar
from core.db import db

SH = timezone(timedelta(hours=8))


def due_local(deadline):
    return deadline.due.astimezone(SH).replace(tzinfo=None)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


def test_two_working_days_across_the_may_holiday(ctx):
    d = WorkCalendar().add(datetime(2026, 4, 30, 16, 0, tzinfo=SH), 2, "working_day")
    assert due_local(d) == datetime(2026, 5, 7, 16, 0)
    assert d.explain() == "2 个工作日，自 2026年4月30日 周四 16:00 起；5月1日–5月5日 放假；截止 2026年5月7日 周四 16:00"


def test_a_tiaoxiu_saturday_is_a_working_day(ctx):
    d = WorkCalendar().add(datetime(2026, 5, 8, 16, 0, tzinfo=SH), 1, "working_day")
    assert due_local(d) == datetime(2026, 5, 9, 16, 0) and "5月9日 调休上班" in d.explain()


def test_an_ordinary_weekend_is_skipped(ctx):
    d = WorkCalendar().add(datetime(2026, 11, 20, 10, 0, tzinfo=SH), 1, "working_day")
    assert due_local(d) == datetime(2026, 11, 23, 10, 0)


def test_the_national_day_week(ctx):
    d = WorkCalendar().add(datetime(2026, 9, 30, 16, 0, tzinfo=SH), 1, "working_day")
    assert due_local(d) == datetime(2026, 10, 8, 16, 0) and "10月1日–10月7日 放假" in d.explain()


def test_working_hours_count_only_duty_periods(ctx):
    d = WorkCalendar().add(datetime(2026, 4, 30, 17, 0, tzinfo=SH), 1, "working_hour")
    assert due_local(d) == datetime(2026, 5, 6, 9, 0)
    lunch = WorkCalendar().add(datetime(2026, 11, 24, 11, 30, tzinfo=SH), 1, "working_hour")
    assert due_local(lunch) == datetime(2026, 11, 24, 14, 0)


def test_a_start_outside_duty_hours_counts_from_the_next_period(ctx):
    d = WorkCalendar().add(datetime(2026, 11, 27, 19, 0, tzinfo=SH), 2, "working_day")
    assert due_local(d) == datetime(2026, 12, 2, 8, 30) and "非工作时间提交" in d.explain()


def test_urgent_events_run_on_natural_time(ctx):
    d = WorkCalendar().add(datetime(2026, 5, 1, 9, 0, tzinfo=SH), 24, "hour")
    assert due_local(d) == datetime(2026, 5, 2, 9, 0)


def test_a_year_without_a_notice_is_provisional_until_one_is_loaded(ctx):
    d = WorkCalendar().add(datetime(2026, 12, 31, 10, 0, tzinfo=SH), 3, "working_day")
    assert not d.complete and "尚未公布" in d.explain()
    assert due_local(d) == datetime(2027, 1, 5, 10, 0)
    cal.load_notice(2027, [(date(2027, 1, 1), "元旦"), (date(2027, 1, 4), "元旦")], [date(2027, 1, 9)], "国办发明电〔2026〕")
    again = WorkCalendar().add(datetime(2026, 12, 31, 10, 0, tzinfo=SH), 3, "working_day")
    assert again.complete and due_local(again) == datetime(2027, 1, 7, 10, 0)


def test_street_and_district_overrides(ctx, create_tenant):
    """Each tenant writes its own overrides; a street reads its district's (row-level security on PG)."""
    from core.tenancy.services import acting_in
    district = create_tenant("district")
    street = create_tenant("street", parent=district)
    with acting_in(district.id):
        db.session.add(CalendarOverride(tenant_id=district.id, day=date(2026, 11, 23), day_type="holiday",
                                        reason="区防汛停工"))
        db.session.flush()
    with acting_in(street.id):
        d = WorkCalendar((street.id, district.id)).add(datetime(2026, 11, 20, 10, 0, tzinfo=SH), 1, "working_day")
        assert due_local(d) == datetime(2026, 11, 24, 10, 0) and "区防汛停工" in d.explain()
        db.session.add(CalendarOverride(tenant_id=street.id, day=date(2026, 11, 23), day_type="workday",
                                        reason="街道照常上班"))
        db.session.flush()
        d = WorkCalendar((street.id, district.id)).add(datetime(2026, 11, 20, 10, 0, tzinfo=SH), 1, "working_day")
        assert due_local(d) == datetime(2026, 11, 23, 10, 0), "the street's own override wins"
