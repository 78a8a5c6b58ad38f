"""Every booking transition and refusal: hold and confirm, a late confirmation, limits per reception
and per month (and the staff override), minimum notice, idempotent submissions, cancel and the
waitlist, walk-ins that are never turned away, check-in window, no-show and its reversal; reminders
queued once however often the job runs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.api import clock, db, Refused
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, in_days, make_reception, slots_of


@pytest.fixture
def scoped(app, ow):
    def _scope():
        return app.app_context(), tenant_scope(ow.street.id)
    return _scope


def _r(r_id):
    from plugins.office_hours.models import Reception
    return db.session.get(Reception, r_id)


def _slots(r_id):
    from plugins.office_hours.models import Slot
    return db.session.scalars(select(Slot).where(Slot.reception_id == r_id).order_by(Slot.starts_at)).all()


def test_hold_confirm_and_the_reminders_are_queued_once(app, ow):
    from plugins.office_hours.models import Notification
    from plugins.office_hours.services import booking, notices
    r_id = make_reception(app, ow, in_days(3))
    with app.app_context(), tenant_scope(ow.street.id):
        b = booking.hold(_r(r_id), _slots(r_id)[0].id, "u1", user_id=ow.residents[0].id, phone="13900000001")
        assert b.state == "held" and clock.aware(b.hold_expires_at) - clock.utcnow() <= timedelta(minutes=5)
        booking.confirm(b)
        booking.confirm(b)  # a double tap changes nothing
        assert b.state == "confirmed"
        kinds = sorted(db.session.scalars(select(Notification.template)))
        assert kinds == ["remind_1h", "remind_24h"]
        # the reminder job retried: the same keys queue nothing new and each is sent once
        from plugins.office_hours.services.notices import queue
        assert queue(f"remind_24h:{b.id}", "remind_24h", "x") is False
        later = clock.aware(_slots(r_id)[0].starts_at)
        assert notices.send_due(later) == 2 and notices.send_due(later) == 0


def test_a_hold_that_ran_out_cannot_be_confirmed_and_its_seat_is_free_again(app, ow):
    from plugins.office_hours.services import booking
    r_id = make_reception(app, ow, in_days(3), minutes=20)
    with app.app_context(), tenant_scope(ow.street.id):
        slot = _slots(r_id)[0]
        b = booking.hold(_r(r_id), slot.id, "u1")
        with pytest.raises(Refused, match="名额已被占用"):
            booking.confirm(b, now=clock.utcnow() + timedelta(minutes=6))
        assert b.state == "expired"
        db.session.refresh(slot)
        assert slot.taken == 0
        assert booking.hold(_r(r_id), slot.id, "u2").state == "held"


def test_expiry_job_releases_holds(app, ow):
    from plugins.office_hours.services import booking
    r_id = make_reception(app, ow, in_days(3), minutes=20)
    with app.app_context(), tenant_scope(ow.street.id):
        booking.hold(_r(r_id), _slots(r_id)[0].id, "u1")
        assert booking.expire_holds(clock.utcnow() + timedelta(minutes=6)) == 1
        assert booking.expire_holds(clock.utcnow() + timedelta(minutes=6)) == 0
        assert _slots(r_id)[0].taken == 0


def test_refusals(app, ow):
    from plugins.office_hours.services import booking
    soon = make_reception(app, ow, clock.utcnow() + timedelta(hours=1), minutes=40)
    planned = make_reception(app, ow, in_days(4), state="planned")
    r_id = make_reception(app, ow, in_days(3), minutes=60)
    with app.app_context(), tenant_scope(ow.street.id):
        with pytest.raises(Refused, match="不足2小时"):
            booking.hold(_r(soon), _slots(soon)[0].id, "u1")
        with pytest.raises(Refused, match="尚未开放"):
            booking.hold(_r(planned), _slots(planned)[0].id, "u1")
        s = _slots(r_id)
        booking.hold(_r(r_id), s[0].id, "u1")
        with pytest.raises(Refused, match="每场限约一个时段"):
            booking.hold(_r(r_id), s[1].id, "u1")
        with pytest.raises(booking.Full):
            booking.hold(_r(r_id), s[0].id, "u2")


def test_monthly_limit_and_the_staff_override(app, ow):
    from plugins.office_hours.services import booking
    base = in_days(35).replace(day=3)
    ids = [make_reception(app, ow, base + timedelta(days=i), minutes=20) for i in range(4)]
    with app.app_context(), tenant_scope(ow.street.id):
        for r_id in ids[:3]:
            booking.confirm(booking.hold(_r(r_id), _slots(r_id)[0].id, "u9"))
        with pytest.raises(Refused, match="本月预约已达3次上限"):
            booking.hold(_r(ids[3]), _slots(ids[3])[0].id, "u9")
        b = booking.hold(_r(ids[3]), _slots(ids[3])[0].id, "u9", override_reason="行动不便，工作人员代约")
        assert b.override_reason


def test_the_same_submission_twice_books_once(app, ow):
    from plugins.office_hours.models import Booking
    r_id = make_reception(app, ow, in_days(3), minutes=60)
    c = client_for(app, ow.residents[0])
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        slot = _slots(r_id)[0].id
    url = f"/t/{ow.street.slug}/office_hours/receptions/{r_id}/hold"
    first = post(c, url, {"slot_id": slot, "idempotency_key": "k-123"}, headers={"HX-Request": "true"})
    again = post(c, url, {"slot_id": slot, "idempotency_key": "k-123"}, headers={"HX-Request": "true"})
    assert first.status_code == again.status_code == 200, again.text
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
        assert _slots(r_id)[0].taken == 1


def test_full_slot_answers_with_the_alternatives_and_the_waitlist(app, ow):
    r_id = make_reception(app, ow, in_days(3), minutes=60)
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        slots = [s.id for s in _slots(r_id)]
    url = f"/t/{ow.street.slug}/office_hours/receptions/{r_id}/hold"
    assert post(client_for(app, ow.residents[0]), url, {"slot_id": slots[0]}).status_code == 200
    full = post(client_for(app, ow.residents[1]), url, {"slot_id": slots[0]}, headers={"HX-Request": "true"})
    assert full.status_code == 409 and 'data-testid="full"' in full.text
    assert f'"slot_id": "{slots[1]}"' in full.text and "登记候补" in full.text


def test_cancel_offers_the_seat_to_the_head_of_the_waitlist_and_an_expired_offer_passes_on(app, ow):
    from plugins.office_hours.models import WaitlistEntry
    from plugins.office_hours.services import booking
    r_id = make_reception(app, ow, in_days(3), minutes=20)
    with app.app_context(), tenant_scope(ow.street.id):
        b = booking.hold(_r(r_id), _slots(r_id)[0].id, "u1")
        booking.confirm(b)
        first = booking.join_waitlist(_r(r_id), "u2", user_id=ow.residents[1].id)
        second = booking.join_waitlist(_r(r_id), "u3", user_id=ow.residents[2].id)
        assert (first.position, second.position, first.state) == (1, 2, "waiting")
        booking.cancel(b, "有事")
        db.session.refresh(first)
        assert first.state == "offered" and _slots(r_id)[0].taken == 1
        booking.expire_offers(clock.aware(first.offer_expires_at) + timedelta(seconds=1))
        db.session.refresh(first)
        db.session.refresh(second)
        assert first.state == "expired" and second.state == "offered"
        mine = booking.accept_offer(second)
        assert mine.state == "confirmed" and mine.slot_id == _slots(r_id)[0].id
        with pytest.raises(Refused):
            booking.accept_offer(db.session.get(WaitlistEntry, first.id))


def test_walk_ins_use_reserved_seats_then_free_ones_then_overflow(app, ow):
    from plugins.office_hours.services import booking
    r_id = make_reception(app, ow, in_days(3), minutes=40, seats=1, reserved=1)
    with app.app_context(), tenant_scope(ow.street.id):
        assert [(s.capacity, s.reserved) for s in _slots(r_id)] == [(1, 0), (2, 1)]
        got = [booking.walk_in(_r(r_id), f"来访{i}") for i in range(4)]
        assert [b.queue_no for b in got] == [1, 2, 3, 4]
        assert [b.overflow for b in got] == [False, False, False, True]
        assert got[0].slot_id == _slots(r_id)[1].id  # the reserved seat first
        assert all(b.state == "checked_in" for b in got)


def test_check_in_window_no_show_and_its_reversal(app, ow):
    from plugins.office_hours.services import booking
    start = clock.utcnow() + timedelta(hours=3)
    r_id = make_reception(app, ow, start, minutes=20)
    with app.app_context(), tenant_scope(ow.street.id):
        b = booking.confirm(booking.hold(_r(r_id), _slots(r_id)[0].id, "u1"))
        with pytest.raises(Refused, match="签到时间"):
            booking.check_in(b)
        with pytest.raises(Refused, match="15分钟后"):
            booking.mark_no_show(b)
        booking.mark_no_show(b, now=start + timedelta(minutes=16))
        assert b.state == "no_show"
        with pytest.raises(Refused):
            booking.undo_no_show(b, "")
        booking.undo_no_show(b, "来晚了，已接待")
        assert b.state == "checked_in"
    other = make_reception(app, ow, clock.utcnow() + timedelta(hours=2, minutes=20), minutes=20)
    with app.app_context(), tenant_scope(ow.street.id):
        b2 = booking.confirm(booking.hold(_r(other), _slots(other)[0].id, "u2", now=clock.utcnow()))
        booking.check_in(b2, now=clock.aware(_slots(other)[0].starts_at) - timedelta(minutes=10))
        assert b2.state == "checked_in"


def test_my_bookings_lists_and_cancels(app, ow):
    r_id = make_reception(app, ow, in_days(3), minutes=20)
    c = client_for(app, ow.residents[0])
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        slot = _slots(r_id)[0].id
    base = f"/t/{ow.street.slug}/office_hours"
    hold = post(c, f"{base}/receptions/{r_id}/hold", {"slot_id": slot}, headers={"HX-Request": "true"})
    booking_id = hold.text.split('data-booking="')[1].split('"')[0]
    assert post(c, f"{base}/bookings/{booking_id}/confirm", {}).status_code == 303
    page = c.get(f"{base}/my")
    assert "已确认" in page.text
    # somebody else cannot touch it
    assert post(client_for(app, ow.residents[1]), f"{base}/bookings/{booking_id}/cancel", {}).status_code == 404
    assert post(c, f"{base}/bookings/{booking_id}/cancel", {}).status_code == 303
    assert "已取消" in c.get(f"{base}/my").text


def test_a_resident_of_a_grid_books_at_the_communitys_studio_and_not_at_a_neighbours(app, ow, create_unit,
                                                                                    create_user):
    """A resident's grant sits on their grid; the studio of the community above serves them, the studio of
    the next community does not (no listing, no hold, no waitlist)."""
    grid = create_unit(ow.street, ow.community.id, "grid", "第1网格")
    other = create_unit(ow.street, ow.street.root_id, "community", "光明社区")
    other_grid = create_unit(ow.street, other.id, "grid", "第1网格")
    mine = create_user(ow.street, "resident", unit_id=grid.id)
    neighbour = create_user(ow.street, "resident", unit_id=other_grid.id)
    r_id = make_reception(app, ow, in_days(5), seats=1)
    slot = slots_of(app, ow, r_id)[0][0]
    base = f"/t/{ow.street.slug}/office_hours"

    c = client_for(app, mine)
    assert "幸福社区党代表工作室" in c.get(f"{base}/book").text
    held = post(c, f"{base}/receptions/{r_id}/hold", {"slot_id": slot}, headers={"HX-Request": "true"})
    assert held.status_code == 200

    n = client_for(app, neighbour)
    assert "幸福社区党代表工作室" not in n.get(f"{base}/book").text
    assert post(n, f"{base}/receptions/{r_id}/hold", {"slot_id": slot},
                headers={"HX-Request": "true"}).status_code == 403
    assert post(n, f"{base}/receptions/{r_id}/waitlist", {}, headers={"HX-Request": "true"}).status_code == 403
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        from plugins.office_hours.models import WaitlistEntry
        assert db.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0
