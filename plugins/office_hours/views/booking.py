"""预约 (mobile-first): slot buttons hold a seat for five minutes; a full slot answers with the
alternatives in place; the waitlist; 我的预约 with cancel."""
from __future__ import annotations

import secrets
from http import HTTPStatus
from types import SimpleNamespace

from flask import make_response, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flask_babel import gettext as _
from core import api
from core.api import clock, current, db, form_data, get_or_404, requires, see_other

from ..models import Booking, Reception, Slot, Studio, WaitlistEntry
from ..schemas import HoldIn
from ..services import booking as svc
from .common import bookable, holder_key, labels, studios as visible_studios


def _upcoming() -> list[tuple[Reception, Studio, list[Slot]]]:
    now = clock.utcnow()
    mine = {s.id: s for s in visible_studios("office_hours.book", serving=True)}
    rows = db.session.scalars(select(Reception).where(Reception.state == "announced", Reception.starts_at > now,
                                                      Reception.studio_id.in_(list(mine) or [0]))
                              .order_by(Reception.starts_at).limit(30)).all()
    slots: dict[int, list[Slot]] = {}
    for s in db.session.scalars(select(Slot).where(Slot.reception_id.in_([r.id for r in rows] or [0]))
                                .order_by(Slot.starts_at)):
        slots.setdefault(s.reception_id, []).append(s)
    return [(r, mine[r.studio_id], slots.get(r.id, [])) for r in rows]


@requires("office_hours.book")
def book_page():
    # one key per page and slot: pressing the same button twice (or a retried request) books once
    return render_template("office_hours/book.html", upcoming=_upcoming(), now=clock.utcnow(),
                           nonce=secrets.token_hex(8), **labels())


def _card(template: str, status: int = HTTPStatus.OK, **ctx):
    resp = make_response(render_template(template, **labels(), **ctx), status)
    resp.vary.update(("HX-Request", "HX-Target"))
    return resp


@requires("office_hours.book")
def hold(reception_id: int):
    """Hold a seat; the answer is the 5-minute confirmation card, or the alternatives (409) when the
    slot went to someone else first, or the reason (422)."""
    r = get_or_404(Reception, reception_id)
    studio = bookable(r)
    if studio is None:
        return _card("office_hours/_refused.html", HTTPStatus.FORBIDDEN, message=_("您不能预约该工作室"))
    unit = api.org_unit(studio.org_unit_id)
    try:
        data = HoldIn().load(form_data())
        staff = api.can("office_hours.desk", unit) and bool(data.get("phone"))
        holder = f"t{data['phone']}" if staff else holder_key()
        b = svc.hold(r, data["slot_id"], holder, user_id=None if staff else current().user_id,
                     name=data.get("name") or "", phone=data.get("phone"), channel="staff" if staff else "online",
                     idempotency_key=(request.form.get("idempotency_key") or "").strip()[:64] or None)
        # what the card shows, read before the commit ends the one transaction of this request
        card = {"b": SimpleNamespace(id=b.id, hold_expires_at=b.hold_expires_at),
                "slot": SimpleNamespace(starts_at=db.session.get(Slot, b.slot_id).starts_at),
                "r": SimpleNamespace(id=r.id), "seconds": int((b.hold_expires_at - clock.utcnow()).total_seconds())}
        db.session.commit()
    except ValidationError as err:
        db.session.rollback()
        return _card("office_hours/_refused.html", HTTPStatus.UNPROCESSABLE_ENTITY,
                     message="；".join(str(m[0]) for m in err.messages.values()))
    except svc.Full as full:
        alternatives = [SimpleNamespace(id=s.id, starts_at=s.starts_at) for s in full.alternatives]
        db.session.rollback()
        return _card("office_hours/_full.html", HTTPStatus.CONFLICT, r=SimpleNamespace(id=reception_id),
                     alternatives=alternatives)
    except api.Refused as err:
        db.session.rollback()
        return _card("office_hours/_refused.html", HTTPStatus.UNPROCESSABLE_ENTITY, message=str(err))
    except IntegrityError:  # the same person twice at the same moment: the unique index decides
        db.session.rollback()
        return _card("office_hours/_refused.html", HTTPStatus.UNPROCESSABLE_ENTITY,
                     message=_("您已预约本场接待，每场限约一个时段"))
    return _card("office_hours/_hold.html", HTTPStatus.OK, **card)


def _mine(b: Booking) -> Booking:
    unit = api.org_unit(db.session.get(Studio, db.session.get(Reception, b.reception_id).studio_id).org_unit_id)
    if b.user_id != current().user_id and not api.can("office_hours.desk", unit):
        from flask import abort
        abort(404)
    return b


@requires("office_hours.book")
def confirm_booking(booking_id: int):
    b = _mine(get_or_404(Booking, booking_id))
    try:
        svc.confirm(b)
        db.session.commit()
    except api.Refused as err:
        db.session.commit()  # the expired hold is released even though this confirmation fails
        r = db.session.get(Reception, b.reception_id)
        return _card("office_hours/_full.html", HTTPStatus.CONFLICT, r=r, alternatives=svc.free_slots(r),
                     message=str(err))
    if request.headers.get("HX-Request"):
        return _card("office_hours/_confirmed.html", b=b, slot=db.session.get(Slot, b.slot_id))
    return see_other(url_for("office_hours.my_bookings"))


@requires("office_hours.book")
def cancel_booking(booking_id: int):
    b = _mine(get_or_404(Booking, booking_id))
    try:
        svc.cancel(b, request.form.get("reason", "").strip()[:200] or "本人取消",
                   by_staff=b.user_id != current().user_id)
        db.session.commit()
    except api.Refused as err:
        db.session.rollback()
        return _card("office_hours/_refused.html", HTTPStatus.UNPROCESSABLE_ENTITY, message=str(err))
    return see_other(url_for("office_hours.my_bookings"))


@requires("office_hours.book")
def waitlist(reception_id: int):
    r = get_or_404(Reception, reception_id)
    if bookable(r) is None:
        return _card("office_hours/_refused.html", HTTPStatus.FORBIDDEN, message=_("您不能预约该工作室"))
    try:
        e = svc.join_waitlist(r, holder_key(), user_id=current().user_id)
        db.session.commit()
    except api.Refused as err:
        db.session.rollback()
        return _card("office_hours/_refused.html", HTTPStatus.UNPROCESSABLE_ENTITY, message=str(err))
    except IntegrityError:
        db.session.rollback()
        return _card("office_hours/_refused.html", HTTPStatus.CONFLICT, message=_("请稍后再试"))
    return _card("office_hours/_waiting.html", e=e)


@requires("office_hours.book")
def accept_offer(entry_id: int):
    e = get_or_404(WaitlistEntry, entry_id)
    if e.user_id != current().user_id:
        from flask import abort
        abort(404)
    try:
        svc.accept_offer(e)
        db.session.commit()
    except api.Refused as err:
        db.session.commit()
        return _card("office_hours/_refused.html", HTTPStatus.UNPROCESSABLE_ENTITY, message=str(err))
    return see_other(url_for("office_hours.my_bookings"))


@requires("office_hours.book")
def my_bookings():
    uid = current().user_id
    rows = db.session.execute(select(Booking, Reception, Slot).join(
        Reception, (Reception.id == Booking.reception_id) & (Reception.tenant_id == Booking.tenant_id)).join(
        Slot, (Slot.id == Booking.slot_id) & (Slot.tenant_id == Booking.tenant_id))
        .where(Booking.user_id == uid).order_by(Reception.starts_at.desc()).limit(50)).all()
    waits = db.session.execute(select(WaitlistEntry, Reception).join(
        Reception, (Reception.id == WaitlistEntry.reception_id) & (Reception.tenant_id == WaitlistEntry.tenant_id))
        .where(WaitlistEntry.user_id == uid, WaitlistEntry.state.in_(("waiting", "offered")))).all()
    studios = {s.id: s for s in db.session.scalars(select(Studio))}
    return render_template("office_hours/my.html", rows=rows, waits=waits, studios=studios, now=clock.utcnow(),
                           **labels())
