"""接待现场: the walk-in queue, check-in by code, the quick visit form (原话, read-back, category,
confidential, create issue), closing with a summary, and addenda after closing."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import clock, db, form_action, get_or_404, parse_id, requires, see_other

from ..models import Addendum, Booking, Reception, Slot, Visit
from ..schemas import AddendumIn, CATEGORIES, CloseIn, VisitIn, WalkInIn
from ..services import booking as bsvc, issues as isvc, records
from .common import labels, reception_for, require_on, studios as visible_studios


@requires("office_hours.desk")
def desk_index():
    mine = {s.id: s for s in visible_studios("office_hours.desk")}
    now = clock.utcnow()
    rows = db.session.scalars(select(Reception).where(
        Reception.studio_id.in_(list(mine) or [0]), Reception.state.in_(("announced", "open", "held")),
        Reception.starts_at <= now + timedelta(days=7)).order_by(Reception.starts_at).limit(50)).all()
    return render_template("office_hours/desk_index.html", rows=rows, studios=mine, **labels())


def _context(r: Reception, studio, **kw) -> dict:
    bookings = db.session.execute(select(Booking, Slot).outerjoin(
        Slot, (Slot.id == Booking.slot_id) & (Slot.tenant_id == Booking.tenant_id))
        .where(Booking.reception_id == r.id, Booking.state.in_(("confirmed", "checked_in", "served", "no_show")))
        .order_by(Booking.queue_no.is_(None), Booking.queue_no, Slot.starts_at)).all()
    unit = api.org_unit(studio.org_unit_id)
    show_confidential = api.can("office_hours.visit.confidential_view", unit)
    visits = records.visits_of(r)
    addenda = db.session.scalars(select(Addendum).where(Addendum.reception_id == r.id).order_by(Addendum.id)).all()
    return {"r": r, "studio": studio, "bookings": bookings, "visits": visits, "addenda": addenda,
            "show_confidential": show_confidential, "categories": CATEGORIES, "errors": {}, "form": {},
            "now": clock.utcnow(), **labels(), **kw}


@requires("office_hours.desk")
def desk(reception_id: int):
    r, studio = reception_for("office_hours.desk", reception_id)
    return render_template("office_hours/desk.html", **_context(r, studio))


def _post(reception_id: int, schema, service, message: str, form_id: str):
    r, studio = reception_for("office_hours.desk", reception_id)
    return form_action(schema, lambda data: service(r, studio, data), page="office_hours/desk.html",
                       fragment="office_hours/desk.html", form_id=form_id,
                       context=lambda **kw: _context(r, studio, **kw),
                       done=lambda _x: url_for("office_hours.desk", reception_id=r.id), message=message)


@requires("office_hours.desk")
def walk_in(reception_id: int):
    return _post(reception_id, WalkInIn(), lambda r, s, d: bsvc.walk_in(r, d.get("name") or "", d.get("phone")),
                 "已登记，请按号就座", "walkin-form")


@requires("office_hours.desk")
def check_in(reception_id: int):
    """Check in by the code on the booking (its number)."""
    def service(r, _s, _d):
        code = parse_id(request.form.get("code", "").strip().lstrip("0") or "0")
        b = db.session.scalar(select(Booking).where(Booking.id == code, Booking.reception_id == r.id)) if code else None
        if b is None:
            raise api.Refused(_("签到码不对，或不是本场接待的预约"))
        return bsvc.check_in(b)

    class _Any:
        def load(self, _raw):
            return {}
    return _post(reception_id, _Any(), service, "已签到", "checkin-form")


@requires("office_hours.desk")
def visit(reception_id: int):
    def service(r, studio, data):
        create = data.pop("create_issue")
        v = records.record_visit(r, data)
        if create:
            isvc.create(studio, v.summary or v.statement_verbatim[:60], visit=v, phone=v.contact_phone)
        return v
    return _post(reception_id, VisitIn(), service, "接待记录已保存", "visit-form")


@requires("office_hours.reception.manage")
def close_reception(reception_id: int):
    r, studio = reception_for("office_hours.reception.manage", reception_id)
    return form_action(CloseIn(), lambda d: records.close(r, d["visitor_count"], d.get("minutes_text") or ""),
                       page="office_hours/desk.html", fragment="office_hours/desk.html", form_id="close-form",
                       context=lambda **kw: _context(r, studio, **kw),
                       done=lambda _x: url_for("office_hours.desk", reception_id=r.id), message=_("接待已归档"))


@requires("office_hours.desk")
def addendum(reception_id: int):
    return _post(reception_id, AddendumIn(),
                 lambda r, s, d: records.add_addendum(r, d["reason"], d["content"], d.get("visit_id")),
                 "补充说明已追加", "addendum-form")


@requires("office_hours.desk")
def no_show(booking_id: int):
    b = get_or_404(Booking, booking_id)
    r, _studio = reception_for("office_hours.desk", b.reception_id)
    reason = request.form.get("reason", "").strip()
    try:
        bsvc.undo_no_show(b, reason) if b.state == "no_show" else bsvc.mark_no_show(b)
        db.session.commit()
    except api.Refused as err:
        db.session.rollback()
        from flask import flash
        flash(str(err))
    return see_other(url_for("office_hours.desk", reception_id=r.id))


del Visit, require_on
