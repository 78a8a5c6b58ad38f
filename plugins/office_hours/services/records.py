"""Reception records: each visitor's own words (原话), read back; closing locks them; corrections
are addenda beside the original."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.api import clock, current, db, emit, Refused

from ..events import ReceptionHeld
from ..models import Addendum, Booking, Reception, Studio, Visit

OPEN_FOR_RECORDS = ("announced", "open", "held")


def record_visit(r: Reception, data: dict) -> Visit:
    """Record one visitor; a booking passes to served. Closed receptions take addenda only."""
    if r.state not in OPEN_FOR_RECORDS:
        raise Refused(_("接待已结束归档，只能追加补充说明") if r.state == "closed" else _("本场接待不在进行中"))
    booking_id = data.pop("booking_id", None)
    read_back = data.pop("read_back", False)
    if booking_id:
        b = db.session.scalar(select(Booking).where(Booking.id == booking_id, Booking.reception_id == r.id))
        if b is None or b.state not in ("checked_in", "confirmed"):
            raise Refused(_("该预约未签到"))
        b.state = "served"
        data.setdefault("visitor_name", b.name)
        data.setdefault("contact_phone", b.contact_phone)
    v = Visit(reception_id=r.id, booking_id=booking_id, recorded_by=current().user_id,
              read_back_confirmed_at=clock.utcnow() if read_back else None, **data)
    if v.anonymous:
        v.visitor_name, v.contact_phone = "", None
    db.session.add(v)
    db.session.flush()
    return v


def visits_of(r: Reception) -> list[Visit]:
    return list(db.session.scalars(select(Visit).where(Visit.reception_id == r.id).order_by(Visit.id)))


def close(r: Reception, visitor_count: int, minutes: str = "", now: datetime | None = None) -> Reception:
    """Close a held reception: every visit needs a category; the record becomes read-only."""
    now = now or clock.utcnow()
    if r.state == "open" and clock.aware(r.ends_at) <= now:
        r.state = "held"
    if r.state != "held":
        raise Refused(_("接待结束后才能归档"))
    if db.session.scalar(select(func.count()).select_from(Visit).where(Visit.reception_id == r.id,
                                                                       Visit.category.is_(None))):
        raise Refused(_("每条接待记录都要选择类别"))
    recorded = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.reception_id == r.id))
    if visitor_count < recorded:
        raise Refused(_("来访人数不能少于接待记录数（%(n)s）", n=recorded))
    r.state, r.visitor_count, r.zero_visitors = "closed", visitor_count, visitor_count == 0
    r.minutes_text, r.closed_at, r.closed_by = minutes, now, current().user_id
    r.version += 1
    db.session.flush()
    studio = db.session.get(Studio, r.studio_id)
    emit(ReceptionHeld(reception_id=r.id, studio_id=r.studio_id, org_unit_id=studio.org_unit_id,
                       visitor_count=visitor_count, zero_visitors=r.zero_visitors))
    return r


def add_addendum(r: Reception, reason: str, content: str, visit_id: int | None = None) -> Addendum:
    if r.state != "closed":
        raise Refused(_("接待归档后才需要追加补充说明；进行中的接待可直接记录"))
    if not reason.strip():
        raise Refused(_("请填写补充原因"))
    if visit_id is not None and not db.session.scalar(select(Visit.id).where(Visit.id == visit_id,
                                                                            Visit.reception_id == r.id)):
        raise Refused(_("该记录不属于本场接待"))
    a = Addendum(reception_id=r.id, visit_id=visit_id, reason=reason, content=content, created_by=current().user_id)
    db.session.add(a)
    db.session.flush()
    return a
