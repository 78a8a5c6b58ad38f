"""Recurrence on the working-day calendar: the holiday policy across the week-long National Day
holiday of 2025 (1–8 October), its 调休 Saturday (11 October) and Sunday (28 September), versions
of a series, idempotent materialising, announce / cancel / reschedule with every holder told."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core.api import clock, db, Refused
from core.tenancy import tenant_scope

from .conftest import client_for, in_days, make_reception

SH = clock.SHANGHAI


def _series(ow, rule: str, policy: str, start=date(2025, 9, 1), at=time(9, 0)):
    from plugins.office_hours.models import Series
    return Series(studio_id=ow.studio_id, rrule=rule, dtstart=datetime.combine(start, at, tzinfo=SH),
                  holiday_policy=policy, valid_from=start, valid_to=None, duration_min=120)


def _days(app, ow, rule, policy):
    from plugins.office_hours.services.schedule import occurrences
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        return [(w.date(), why) for w, why in occurrences(_series(ow, rule, policy), date(2025, 9, 22),
                                                          date(2025, 10, 19))]


def test_tuesdays_across_national_day_move_to_the_next_working_day(app, ow):
    got = _days(app, ow, "FREQ=WEEKLY;BYDAY=TU", "next_working_day")
    assert [d for d, _ in got] == [date(2025, 9, 23), date(2025, 9, 30), date(2025, 10, 9), date(2025, 10, 14)]
    assert "顺延" in dict(got)[date(2025, 10, 9)]


def test_skip_drops_the_holiday_and_keep_keeps_it(app, ow):
    assert [d for d, _ in _days(app, ow, "FREQ=WEEKLY;BYDAY=TU", "skip")] == [
        date(2025, 9, 23), date(2025, 9, 30), date(2025, 10, 14)]
    assert date(2025, 10, 7) in [d for d, _ in _days(app, ow, "FREQ=WEEKLY;BYDAY=TU", "keep")]


def test_make_up_working_days_never_add_a_reception(app, ow):
    """Every day of the rule, skipping rest days: the 调休 Sunday and Saturday still add nothing."""
    days = [d for d, _ in _days(app, ow, "FREQ=DAILY", "skip")]
    assert date(2025, 9, 28) not in days and date(2025, 10, 11) not in days
    assert not [d for d in days if date(2025, 10, 1) <= d <= date(2025, 10, 8)]
    assert all(d.weekday() < 5 for d in days)


def test_two_holiday_occurrences_moved_onto_one_day_make_one_reception(app, ow):
    days = [d for d, _ in _days(app, ow, "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "next_working_day")]
    assert days.count(date(2025, 10, 9)) == 1


def test_materialise_is_idempotent_and_a_new_version_withdraws_unbooked_receptions(app, ow):
    from plugins.office_hours.models import Reception, Series, Slot, Studio
    from plugins.office_hours.services import schedule
    today = clock.local(clock.utcnow()).date()
    with app.app_context(), tenant_scope(ow.street.id):
        studio = db.session.get(Studio, ow.studio_id)
        s = schedule.save_series(studio, {"rrule": "FREQ=WEEKLY;BYDAY=WE", "valid_from": today, "at": time(14, 30),
                                  "host_ids": [ow.rep_id]})
        made = db.session.scalar(select(func.count()).select_from(Reception).where(Reception.series_id == s.id))
        assert made >= 8
        assert schedule.materialise() == 0  # run again: nothing new
        first = db.session.scalar(select(Reception).where(Reception.series_id == s.id).order_by(Reception.starts_at))
        assert clock.local(first.starts_at).time() == time(14, 30)
        assert db.session.scalar(select(func.count()).select_from(Slot).where(Slot.reception_id == first.id)) == 6
        s2 = schedule.save_series(studio, {"rrule": "FREQ=WEEKLY;BYDAY=TH", "valid_from": today + timedelta(days=14),
                                   "at": time(9, 0), "supersedes_id": s.id})
        old = db.session.get(Series, s.id)
        assert old.valid_to == today + timedelta(days=13)
        left = db.session.scalars(select(Reception.starts_at).where(Reception.series_id == s.id)).all()
        assert all(clock.local(t).date() < today + timedelta(days=14) for t in left)
        assert db.session.scalar(select(func.count()).select_from(Reception).where(Reception.series_id == s2.id)) > 0


def test_announce_needs_a_confirmed_host_and_a_late_one_is_flagged(app, ow):
    from plugins.office_hours.models import Host, Reception
    from plugins.office_hours.services import schedule
    r_id = make_reception(app, ow, in_days(1), state="planned")
    with app.app_context(), tenant_scope(ow.street.id):
        r = db.session.get(Reception, r_id)
        db.session.execute(Host.__table__.update().where(Host.reception_id == r_id).values(confirmed_at=None))
        with pytest.raises(Refused):
            schedule.announce(r)
        host = db.session.scalar(select(Host).where(Host.reception_id == r_id))
        schedule.confirm_host(r, host.id)
        schedule.announce(r)
        assert r.state == "announced" and r.late_announcement  # one day ahead, three were due
    early = make_reception(app, ow, in_days(10), state="planned")
    with app.app_context(), tenant_scope(ow.street.id):
        r = db.session.get(Reception, early)
        schedule.announce(r)
        assert not r.late_announcement


def test_cancel_tells_every_holder_and_frees_every_seat(app, ow):
    from plugins.office_hours.models import Booking, Notification, Reception, Slot
    from plugins.office_hours.services import booking, schedule
    r_id = make_reception(app, ow, in_days(5), minutes=60)
    nxt = make_reception(app, ow, in_days(12), minutes=60)
    with app.app_context(), tenant_scope(ow.street.id):
        r = db.session.get(Reception, r_id)
        slots = db.session.scalars(select(Slot.id).where(Slot.reception_id == r_id).order_by(Slot.starts_at)).all()
        for acc, slot in zip(ow.residents, slots):
            booking.confirm(booking.hold(r, slot, f"u{acc.id}", user_id=acc.id, phone="13900000000"))
        with pytest.raises(Refused):
            schedule.cancel(r, "  ")
        schedule.cancel(r, "代表临时参加会议")
        assert r.state == "cancelled"
        assert set(db.session.scalars(select(Booking.state).where(Booking.reception_id == r_id))) == {
            "cancelled_by_staff"}
        assert db.session.scalar(select(func.sum(Slot.taken)).where(Slot.reception_id == r_id)) == 0
        notes = db.session.scalars(select(Notification).where(Notification.template == "cancelled")).all()
        assert len(notes) == 3 and all("24小时内优先预约" in n.body for n in notes)
    assert nxt


def test_reschedule_offers_the_new_time_and_never_moves_a_booking(app, ow):
    from plugins.office_hours.models import Booking, Notification, Reception, Slot
    from plugins.office_hours.services import booking, schedule
    r_id = make_reception(app, ow, in_days(5), minutes=60)
    with app.app_context(), tenant_scope(ow.street.id):
        r = db.session.get(Reception, r_id)
        slot = db.session.scalar(select(Slot.id).where(Slot.reception_id == r_id).limit(1))
        b = booking.hold(r, slot, "u1", user_id=ow.residents[0].id)
        booking.confirm(b)
        new = schedule.reschedule(r, in_days(7), "场地维修")
        assert r.state == "rescheduled" and r.rescheduled_to_id == new.id
        assert b.reception_id == r_id and db.session.get(Booking, b.id).state == "cancelled_by_staff"
        assert not db.session.scalar(select(func.count()).select_from(Booking).where(Booking.reception_id == new.id))
        assert db.session.scalar(select(Notification.body).where(Notification.template == "rescheduled"))


def test_calendar_page_shows_the_month_and_the_panel_loads_in_place(app, ow):
    r_id = make_reception(app, ow, in_days(3))
    c = client_for(app, ow.desk)
    month = clock.local(in_days(3)).date().replace(day=1).isoformat()
    page = c.get(f"/t/{ow.street.slug}/office_hours/?studio={ow.studio_id}&month={month}")
    assert page.status_code == 200 and f'data-reception="{r_id}"' in page.text
    panel = c.get(f"/t/{ow.street.slug}/office_hours/receptions/{r_id}", headers={"HX-Request": "true",
                                                                               "HX-Target": "panel"})
    assert panel.status_code == 200 and "<html" not in panel.text and "已发布" in panel.text


def test_series_page_says_the_rule_in_words_and_keeps_the_rule_beside_it(app, ow):
    from plugins.office_hours.models import Studio
    from plugins.office_hours.services import schedule
    today = clock.local(clock.utcnow()).date()
    with app.app_context(), tenant_scope(ow.street.id):
        studio = db.session.get(Studio, ow.studio_id)
        schedule.save_series(studio, {"rrule": "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "valid_from": today,
                                      "at": time(9, 0), "host_ids": [ow.rep_id]})
    page = client_for(app, ow.admin).get(f"/t/{ow.street.slug}/office_hours/studios/{ow.studio_id}/series")
    assert page.status_code == 200
    assert "每月第二个周二" in page.text and "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2" in page.text


@pytest.mark.parametrize("rule, said", [
    ("FREQ=WEEKLY;BYDAY=WE", "每周周三"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "每2周的周一、周四"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "每月最后一个周五"),
    ("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6", "每月15日，共6次"),
    ("FREQ=DAILY;UNTIL=20261231T000000Z", "每天，至2026-12-31"),
    ("FREQ=YEARLY;BYMONTH=3", None),  # not offered by the form: shown as the rule itself
    ("FREQ=MONTHLY;BYDAY=9TU", None),
])
def test_rules_are_said_only_when_said_exactly(app, rule, said):
    from plugins.office_hours.rule_text import describe
    with app.test_request_context():
        assert describe(rule) == said
