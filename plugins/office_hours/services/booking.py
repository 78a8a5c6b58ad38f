"""Bookings that never double: the last seat is taken by one atomic conditional UPDATE (on both
databases), a five-minute hold, a FIFO waitlist that offers freed seats one person per seat,
walk-ins that are never turned away, check-in and no-shows (office-hours.md §3.2)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from core import api
from core.api import clock, db, Refused

from ..models import Booking, Reception, Slot, WaitlistEntry
from ..models.booking import ACTIVE
from .notices import queue
from .schedule import month_bounds

HOLD = timedelta(minutes=5)
OFFER = timedelta(hours=2)
CHECK_IN_BEFORE, GRACE = timedelta(minutes=30), timedelta(minutes=15)
COUNTED = (*ACTIVE, "served")


class Full(Exception):
    """The slot has no seat left: the answer offers the other free slots and the waitlist."""

    def __init__(self, reception: Reception, alternatives: list[Slot]):
        super().__init__(_("该时段已约满"))
        self.reception, self.alternatives = reception, alternatives


def free_slots(r: Reception, now: datetime | None = None) -> list[Slot]:
    """Slots still bookable online (before the minimum notice, a seat beyond the walk-in reserve)."""
    now = now or clock.utcnow()
    latest = now + timedelta(hours=r.min_notice_hours)
    return list(db.session.scalars(select(Slot).where(
        Slot.reception_id == r.id, Slot.taken < Slot.capacity - Slot.reserved, Slot.starts_at >= latest)
        .order_by(Slot.starts_at)))


def _take_seat(slot_id: int, walkin: bool = False) -> bool:
    """The one place a seat is taken: ``taken = taken + 1`` only while a seat is left. Under
    concurrency the database decides (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite)."""
    limit = Slot.capacity if walkin else Slot.capacity - Slot.reserved
    done = db.session.execute(update(Slot).where(Slot.id == slot_id, Slot.taken < limit)
                              .values(taken=Slot.taken + 1).execution_options(synchronize_session=False))
    return done.rowcount == 1


def _free_seat(slot_id: int | None) -> None:
    if slot_id is not None:
        db.session.execute(update(Slot).where(Slot.id == slot_id, Slot.taken > 0).values(taken=Slot.taken - 1)
                           .execution_options(synchronize_session=False))


def bookings_this_month(holder: str, r: Reception) -> int:
    local = clock.local(r.starts_at)
    lo, hi = month_bounds(local.year, local.month)
    return db.session.scalar(select(func.count()).select_from(Booking).join(
        Reception, (Reception.id == Booking.reception_id) & (Reception.tenant_id == Booking.tenant_id)).where(
        Booking.holder == holder, Booking.state.in_(COUNTED), Reception.starts_at >= lo, Reception.starts_at < hi))


def hold(r: Reception, slot_id: int, holder: str, *, user_id: int | None = None, person_id: int | None = None,
         name: str = "", phone: str | None = None, channel: str = "online", idempotency_key: str | None = None,
         override_reason: str | None = None, now: datetime | None = None) -> Booking:
    """Hold a seat for five minutes while the resident confirms. Raises Full or Refused."""
    now = now or clock.utcnow()
    if idempotency_key:
        again = db.session.scalar(select(Booking).where(Booking.idempotency_key == idempotency_key))
        if again is not None:
            return again
    if r.state != "announced":
        raise Refused(_("本场接待尚未开放预约") if r.state == "planned" else _("本场接待已不能预约"))
    slot = db.session.scalar(select(Slot).where(Slot.id == slot_id, Slot.reception_id == r.id))
    if slot is None:
        raise Refused(_("请选择本场接待的时段"))
    if clock.aware(slot.starts_at) - timedelta(hours=r.min_notice_hours) < now:
        raise Refused(_("距开始不足%(h)s小时，请直接到现场登记", h=r.min_notice_hours))
    if db.session.scalar(select(Booking.id).where(Booking.reception_id == r.id, Booking.holder == holder,
                                                  Booking.state.in_(ACTIVE))):
        raise Refused(_("您已预约本场接待，每场限约一个时段"))
    if not override_reason and bookings_this_month(holder, r) >= r.max_bookings_per_person_month:
        raise Refused(_("本月预约已达%(n)s次上限", n=r.max_bookings_per_person_month))
    if not _take_seat(slot.id):
        raise Full(r, free_slots(r, now))
    b = Booking(reception_id=r.id, slot_id=slot.id, holder=holder, user_id=user_id, person_id=person_id, name=name,
                contact_phone=phone, channel=channel, state="held", hold_expires_at=now + HOLD,
                idempotency_key=idempotency_key, override_reason=override_reason, created_at=now)
    db.session.add(b)
    db.session.flush()
    return b


def confirm(b: Booking, now: datetime | None = None) -> Booking:
    """Confirm within the hold; schedule reminders at T−24 h and T−1 h (deduplicated)."""
    now = now or clock.utcnow()
    if b.state == "confirmed":
        return b
    if b.state == "held" and clock.aware(b.hold_expires_at) <= now:
        expire(b)
    if b.state != "held":
        raise Refused(_("名额已被占用，请另选时段"))
    b.state, b.confirmed_at = "confirmed", now
    slot = db.session.get(Slot, b.slot_id)
    start = clock.aware(slot.starts_at)
    for template, before in (("remind_24h", timedelta(hours=24)), ("remind_1h", timedelta(hours=1))):
        if start - before > now:
            queue(f"{template}:{b.id}", template, _("提醒：您预约的代表接待将于%(when)s开始。", when=api.local_dt(start)),
                  user_id=b.user_id, person_id=b.person_id, phone=b.contact_phone, at=start - before)
    db.session.flush()
    return b


def expire(b: Booking) -> bool:
    """A hold that ran out releases its seat, which goes to the waitlist."""
    done = db.session.execute(update(Booking).where(Booking.id == b.id, Booking.state == "held")
                              .values(state="expired").execution_options(synchronize_session=False)).rowcount
    if done:
        _free_seat(b.slot_id)
        db.session.refresh(b)
        offer_next(db.session.get(Reception, b.reception_id))
    return bool(done)


def expire_holds(now: datetime | None = None) -> int:
    now = now or clock.utcnow()
    rows = db.session.scalars(select(Booking).where(Booking.state == "held", Booking.hold_expires_at <= now)).all()
    return sum(expire(b) for b in rows)


def cancel(b: Booking, reason: str, by_staff: bool = False, now: datetime | None = None) -> Booking:
    """Cancel before the start; the seat goes to the head of the waitlist."""
    now = now or clock.utcnow()
    slot = db.session.get(Slot, b.slot_id) if b.slot_id else None
    if slot is not None and clock.aware(slot.starts_at) <= now:
        raise Refused(_("接待已开始，不能取消预约"))
    state = "cancelled_by_staff" if by_staff else "cancelled"
    done = db.session.execute(update(Booking).where(Booking.id == b.id, Booking.state.in_(("held", "confirmed")))
                              .values(state=state, cancel_reason=reason[:200])
                              .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Refused(_("该预约已不能取消"))
    _free_seat(b.slot_id)
    db.session.refresh(b)
    offer_next(db.session.get(Reception, b.reception_id), now)
    return b


def join_waitlist(r: Reception, holder: str, *, user_id: int | None = None, name: str = "",
                  phone: str | None = None) -> WaitlistEntry:
    if r.state != "announced":
        raise Refused(_("本场接待已不能预约"))
    if db.session.scalar(select(Booking.id).where(Booking.reception_id == r.id, Booking.holder == holder,
                                                  Booking.state.in_(ACTIVE))):
        raise Refused(_("您已预约本场接待，每场限约一个时段"))
    mine = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.reception_id == r.id,
                                                         WaitlistEntry.holder == holder,
                                                         WaitlistEntry.state.in_(("waiting", "offered"))))
    if mine is not None:
        return mine
    pos = (db.session.scalar(select(func.max(WaitlistEntry.position)).where(WaitlistEntry.reception_id == r.id))
           or 0) + 1
    e = WaitlistEntry(reception_id=r.id, holder=holder, user_id=user_id, name=name, contact_phone=phone, position=pos)
    db.session.add(e)
    db.session.flush()
    offer_next(r)
    return e


def offer_next(r: Reception, now: datetime | None = None) -> int:
    """Offer every free seat to the head of the queue, one person per seat. Two cancellations at
    once give two offers to two people: each claims an entry by a conditional UPDATE."""
    now = now or clock.utcnow()
    if r.state != "announced":
        return 0
    made = 0
    while True:
        slots = free_slots(r, now)
        if not slots:
            return made
        head = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.reception_id == r.id,
                                                             WaitlistEntry.state == "waiting")
                                 .order_by(WaitlistEntry.position).limit(1))
        if head is None:
            return made
        until = min(now + OFFER, clock.aware(r.starts_at) - timedelta(hours=1))
        if until <= now:
            return made
        claimed = db.session.execute(update(WaitlistEntry).where(WaitlistEntry.id == head.id,
                                                                 WaitlistEntry.state == "waiting")
                                     .values(state="offered", offer_expires_at=until)
                                     .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.expire(head)
            continue
        seat = next((s.id for s in slots if _take_seat(s.id)), None)
        if seat is None:
            db.session.execute(update(WaitlistEntry).where(WaitlistEntry.id == head.id)
                               .values(state="waiting", offer_expires_at=None))
            return made
        db.session.execute(update(WaitlistEntry).where(WaitlistEntry.id == head.id).values(slot_id=seat))
        db.session.refresh(head)
        queue(f"offer:{head.id}", "waitlist_offer",
              _("有名额空出，请在%(until)s前确认预约。", until=api.local_dt(until)), user_id=head.user_id,
              phone=head.contact_phone)
        if head.user_id:
            api.notify([head.user_id], _("候补名额已为您保留，请确认"), "office_hours.my_bookings")
        made += 1


def accept_offer(e: WaitlistEntry, now: datetime | None = None) -> Booking:
    now = now or clock.utcnow()
    if e.state == "offered" and clock.aware(e.offer_expires_at) <= now:
        expire_offer(e, now)
    if e.state != "offered":
        raise Refused(_("候补名额已过期"))
    r = db.session.get(Reception, e.reception_id)
    b = Booking(reception_id=e.reception_id, slot_id=e.slot_id, holder=e.holder, user_id=e.user_id, name=e.name,
                contact_phone=e.contact_phone, channel="online", state="held", hold_expires_at=now + HOLD,
                created_at=now)
    db.session.add(b)
    db.session.flush()
    e.state, e.booking_id = "accepted", b.id
    confirm(b, now)
    del r
    return b


def expire_offer(e: WaitlistEntry, now: datetime | None = None) -> bool:
    done = db.session.execute(update(WaitlistEntry).where(WaitlistEntry.id == e.id, WaitlistEntry.state == "offered")
                              .values(state="expired").execution_options(synchronize_session=False)).rowcount
    if done:
        _free_seat(e.slot_id)
        db.session.refresh(e)
        offer_next(db.session.get(Reception, e.reception_id), now)
    return bool(done)


def expire_offers(now: datetime | None = None) -> int:
    now = now or clock.utcnow()
    rows = db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.state == "offered",
                                                          WaitlistEntry.offer_expires_at <= now)).all()
    return sum(expire_offer(e, now) for e in rows)


def check_in(b: Booking, now: datetime | None = None) -> Booking:
    now = now or clock.utcnow()
    if b.state != "confirmed":
        raise Refused(_("只有已确认的预约可以签到"))
    start = clock.aware(db.session.get(Slot, b.slot_id).starts_at)
    if not (start - CHECK_IN_BEFORE <= now <= start + GRACE):
        raise Refused(_("签到时间为预约时段开始前30分钟至开始后15分钟"))
    b.state, b.checked_in_at = "checked_in", now
    db.session.flush()
    return b


def mark_no_show(b: Booking, now: datetime | None = None) -> Booking:
    now = now or clock.utcnow()
    if b.state != "confirmed":
        raise Refused(_("只有已确认未签到的预约可以记为爽约"))
    if now <= clock.aware(db.session.get(Slot, b.slot_id).starts_at) + GRACE:
        raise Refused(_("预约时段开始15分钟后才能记为爽约"))
    b.state = "no_show"
    db.session.flush()
    return b


def undo_no_show(b: Booking, reason: str) -> Booking:
    if b.state != "no_show":
        raise Refused(_("该预约未记为爽约"))
    if not reason.strip():
        raise Refused(_("请填写撤销原因"))
    b.state, b.override_reason = "checked_in", reason[:200]
    db.session.flush()
    return b


def walk_in(r: Reception, name: str = "", phone: str | None = None, now: datetime | None = None) -> Booking:
    """A walk-in gets a queue number: a reserved seat first, then a free one, then overflow — never turned away."""
    now = now or clock.utcnow()
    if not r.walkin_enabled:
        raise Refused(_("本场接待不接受现场登记"))
    if r.state not in ("announced", "open", "held"):
        raise Refused(_("本场接待不在进行中"))
    db.session.execute(update(Reception).where(Reception.id == r.id)
                       .values(next_queue_no=Reception.next_queue_no + 1).execution_options(synchronize_session=False))
    db.session.refresh(r)
    number = r.next_queue_no - 1
    slots = db.session.scalars(select(Slot).where(Slot.reception_id == r.id, Slot.taken < Slot.capacity)
                               .order_by(Slot.reserved.desc(), Slot.starts_at)).all()
    seat = next((s.id for s in slots if _take_seat(s.id, walkin=True)), None)
    b = Booking(reception_id=r.id, slot_id=seat, holder=f"w{r.id}-{number}", name=name, contact_phone=phone,
                channel="walkin", state="checked_in", queue_no=number, overflow=seat is None, checked_in_at=now,
                created_at=now)
    db.session.add(b)
    db.session.flush()
    return b
