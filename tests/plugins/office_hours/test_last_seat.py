"""The last seat under load: 20 residents in 20 processes press the same slot at the same moment;
exactly one holds it, nineteen get a clean "full" answer with the alternatives, nothing else. Then
two cancellations at once offer the two freed seats to two different people on the waitlist."""
from __future__ import annotations

from sqlalchemy import func, select

from core.api import db
from core.tenancy import tenant_scope

from .conftest import in_days, make_reception, race, slots_of


def test_twenty_processes_one_last_seat(app, database, ow, create_user):
    r = make_reception(app, ow, in_days(5), minutes=20, seats=1)
    (slot_id, capacity, reserved, taken), = slots_of(app, ow, r)
    assert (capacity, reserved, taken) == (1, 0, 0)
    people = [create_user(ow.street, "resident") for _ in range(20)]
    warm = make_reception(app, ow, in_days(4), minutes=20 * 20, seats=1)
    warm_slots = [s[0] for s in slots_of(app, ow, warm)]
    url = f"/t/{ow.street.slug}/office_hours/receptions/{{}}/hold"
    answers = race(database, [{"username": p.username, "password": p.password, "url": url.format(r),
                               "data": {"slot_id": slot_id},
                               # each warms the same path on a seat of its own, then on a full one
                               "warmup": [{"url": url.format(warm), "data": {"slot_id": warm_slots[i]}},
                                          {"url": url.format(warm), "data": {"slot_id": warm_slots[i]}}]}
                              for i, p in enumerate(people)])
    cards = sorted((a["status"], a["card"]) for a in answers)
    assert cards.count((200, "hold")) == 1, (cards, sorted(a["seconds"] for a in answers))
    assert cards.count((409, "full")) == 19, cards
    print("SECONDS", sorted(a["seconds"] for a in answers))
    assert slots_of(app, ow, r)[0][3] == 1
    from plugins.office_hours.models import Booking
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        assert db.session.scalar(select(func.count()).select_from(Booking).where(Booking.reception_id == r)) == 1


def test_two_cancellations_at_once_make_two_offers_to_two_people(app, database, ow, create_user):
    from plugins.office_hours.models import Booking, WaitlistEntry
    from plugins.office_hours.services import booking
    r = make_reception(app, ow, in_days(6), minutes=40, seats=1)
    holders = [create_user(ow.street, "resident") for _ in range(2)]
    slots = [s[0] for s in slots_of(app, ow, r)]
    with app.app_context(), tenant_scope(ow.street.id):
        from plugins.office_hours.models import Reception
        rec = db.session.get(Reception, r)
        ids = []
        for acc, slot in zip(holders, slots):
            b = booking.hold(rec, slot, f"u{acc.id}", user_id=acc.id)
            booking.confirm(b)
            ids.append(b.id)
        for n in range(3):
            booking.join_waitlist(rec, f"t1380000000{n}", phone=f"1380000000{n}")
    answers = race(database, [{"username": acc.username, "password": acc.password,
                               "url": f"/t/{ow.street.slug}/office_hours/bookings/{bid}/cancel", "data": {}}
                              for acc, bid in zip(holders, ids)])
    assert [a["status"] for a in answers] == [303, 303], answers
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        offered = db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.reception_id == r,
                                                                 WaitlistEntry.state == "offered")
                                     .order_by(WaitlistEntry.position)).all()
        assert [e.position for e in offered] == [1, 2]
        assert len({e.slot_id for e in offered}) == 2
        assert db.session.scalar(select(WaitlistEntry.state).where(WaitlistEntry.position == 3,
                                                                   WaitlistEntry.reception_id == r)) == "waiting"
        assert db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.reception_id == r, Booking.state == "cancelled")) == 2
    assert [s[3] for s in slots_of(app, ow, r)] == [1, 1]  # each freed seat held for its offer
