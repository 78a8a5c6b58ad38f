"""Schedules on the working-day calendar: RFC 5545 series, receptions materialised from them
(idempotent), announce, cancel, reschedule, hosts, and the clock moving receptions open and held."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from flask_babel import gettext as _
from sqlalchemy import delete, exists, select, update

from core import api
from core.api import clock, current, db, Refused, Stale

from ..models import Booking, Host, Reception, Representative, Series, Slot, Studio
from .notices import notify_holders

SH = clock.SHANGHAI
#: how far ahead receptions are materialised
HORIZON_DAYS = 62
MOVE_REASONS = {"next_working_day": "遇节假日顺延", "keep": "节假日照常"}


def local_start(series: Series) -> datetime:
    return clock.local(series.dtstart).replace(tzinfo=None)


def occurrences(series: Series, start: date, end: date, cal=None, limit: int | None = None) -> list[tuple[datetime, str]]:
    """Occurrences (aware Shanghai start, why moved) between ``start`` and ``end`` inclusive.

    The rule gives dates; a date that is not a working day follows the series' holiday policy
    (next working day at the same time, skip, or keep). A 调休 make-up working day never adds a
    reception: only the rule's own dates count, and a rule date that is a make-up day on a weekend
    is skipped unless it is where a holiday occurrence was moved to."""
    cal = cal or api.work_calendar()
    first = local_start(series)
    rule = rrulestr(series.rrule, dtstart=first)
    lo = max(start, series.valid_from)
    hi = min(end, series.valid_to) if series.valid_to else end
    out: list[tuple[datetime, str]] = []
    seen: set[datetime] = set()
    at = first.time()
    for occ in rule.xafter(datetime.combine(lo, time.min) - timedelta(seconds=1), inc=True):
        d = occ.date()
        if d > hi:
            break
        working, why = cal.day(d)
        reason = ""
        if not working:
            if series.holiday_policy == "skip":
                continue
            if series.holiday_policy == "next_working_day":
                n = d + timedelta(days=1)
                while not cal.is_working(n):
                    n += timedelta(days=1)
                reason = f"{why or '休息日'}，{MOVE_REASONS['next_working_day']}"
                d = n
            else:
                reason = MOVE_REASONS["keep"]
        elif d.weekday() >= 5 and why:  # a make-up Saturday or Sunday the rule happens to hit
            continue
        when = datetime.combine(d, at, tzinfo=SH)
        if when in seen:
            continue
        seen.add(when)
        out.append((when, reason))
        if limit and len(out) >= limit:
            break
    return out


def preview(series: Series, n: int = 12) -> list[tuple[datetime, str]]:
    """The next ``n`` occurrences from today, as the series editor shows them before saving."""
    today = clock.local(clock.utcnow()).date()
    return occurrences(series, max(today, series.valid_from), today + timedelta(days=800), limit=n)


def make_slots(reception: Reception, series: Series) -> None:
    """Slots of ``slot_minutes``; the walk-in seats are kept in the last slots, one each, on top of
    ``seats_per_slot`` (online booking stops at capacity − reserved)."""
    n = max(1, series.duration_min // max(series.slot_minutes, 1))
    reserved = [0] * n
    for i in range(series.reserved_walkin_seats):
        reserved[n - 1 - (i % n)] += 1
    for i in range(n):
        s = reception.starts_at + timedelta(minutes=i * series.slot_minutes)
        db.session.add(Slot(reception_id=reception.id, starts_at=s, ends_at=s + timedelta(minutes=series.slot_minutes),
                            capacity=series.seats_per_slot + reserved[i], reserved=reserved[i]))


def materialise(until: date | None = None, series_ids: list[int] | None = None) -> int:
    """Create the receptions due up to ``until`` (idempotent: UNIQUE(series_id, starts_at))."""
    today = clock.local(clock.utcnow()).date()
    until = until or today + timedelta(days=HORIZON_DAYS)
    cal = api.work_calendar()
    q = select(Series).where((Series.valid_to.is_(None)) | (Series.valid_to >= today))
    if series_ids:
        q = q.where(Series.id.in_(series_ids))
    made = 0
    for series in db.session.scalars(q.order_by(Series.id)).all():
        have = set(clock.aware(t) for t in db.session.scalars(select(Reception.starts_at).where(
            Reception.series_id == series.id)))
        for when, reason in occurrences(series, today, until, cal):
            if when.astimezone(clock.timezone_utc()) in have:
                continue
            made += 1
            r = new_reception(series, when, reason)
            for rep_id in series.host_ids or []:
                db.session.add(Host(reception_id=r.id, representative_id=rep_id, role="host"))
    db.session.flush()
    return made


def new_reception(series: Series, when: datetime, reason: str = "") -> Reception:
    r = Reception(studio_id=series.studio_id, series_id=series.id, starts_at=when,
                  ends_at=when + timedelta(minutes=series.duration_min), moved_reason=reason,
                  reserved_walkin_seats=series.reserved_walkin_seats, walkin_enabled=series.walkin_enabled,
                  min_notice_hours=series.min_notice_hours,
                  max_bookings_per_person_month=series.max_bookings_per_person_month)
    db.session.add(r)
    db.session.flush()
    make_slots(r, series)
    return r


def save_series(studio: Studio, data: dict) -> Series:
    """A new series, or a new version of ``data['supersedes_id']`` from ``valid_from``: the old one
    ends the day before; its receptions from then on that nobody booked are withdrawn."""
    local = datetime.combine(data["valid_from"], data.pop("at"))
    series = Series(studio_id=studio.id, dtstart=local.replace(tzinfo=SH), **data)
    try:
        rrulestr(series.rrule, dtstart=local)
    except (ValueError, TypeError) as exc:
        raise Refused(_("重复规则无法识别：%(e)s", e=str(exc)[:80])) from exc
    if series.supersedes_id:
        old = api.get_or_404(Series, series.supersedes_id)
        if old.studio_id != studio.id:
            raise Refused(_("只能修改本工作室的排班"))
        old.valid_to = series.valid_from - timedelta(days=1)
        cut = datetime.combine(series.valid_from, time.min, tzinfo=SH)
        booked = exists().where(Booking.reception_id == Reception.id)
        gone = list(db.session.scalars(select(Reception.id).where(
            Reception.series_id == old.id, Reception.starts_at >= cut, Reception.state == "planned", ~booked)))
        if gone:
            db.session.execute(delete(Host).where(Host.reception_id.in_(gone)))
            db.session.execute(delete(Slot).where(Slot.reception_id.in_(gone)))
            db.session.execute(delete(Reception).where(Reception.id.in_(gone)))
    db.session.add(series)
    db.session.flush()
    materialise(series_ids=[series.id])
    return series


def _bump(r: Reception, version: int | None) -> None:
    """Optimistic guard: a stale version answers 409; every change bumps iCal's SEQUENCE."""
    if version is not None:
        n = db.session.execute(update(Reception).where(Reception.id == r.id, Reception.version == version)
                               .values(version=Reception.version + 1, sequence=Reception.sequence + 1))
        if n.rowcount != 1:
            db.session.refresh(r)
            raise Stale("office_hours/_reception_panel.html", reception=r)
        db.session.refresh(r)
    else:
        r.version += 1
        r.sequence += 1


def confirmed_hosts(r: Reception) -> list[Host]:
    return list(db.session.scalars(select(Host).where(Host.reception_id == r.id, Host.confirmed_at.is_not(None))))


def confirm_host(r: Reception, host_id: int) -> Host:
    host = db.session.scalar(select(Host).where(Host.id == host_id, Host.reception_id == r.id))
    if host is None:
        raise Refused(_("该代表不在本场接待中"))
    host.confirmed_at = host.confirmed_at or clock.utcnow()
    db.session.flush()
    return host


def add_host(r: Reception, rep_id: int, role: str = "substitute", confirmed: bool = False) -> Host:
    rep = db.session.get(Representative, rep_id)
    if rep is None or not rep.serving_on(clock.local(r.starts_at).date()):
        raise Refused(_("该代表不在任期内，不能安排接待"))
    host = db.session.scalar(select(Host).where(Host.reception_id == r.id, Host.representative_id == rep_id))
    if host is None:
        host = Host(reception_id=r.id, representative_id=rep_id, role=role)
        db.session.add(host)
    host.role = role
    if confirmed:
        host.confirmed_at = clock.utcnow()
    db.session.flush()
    if r.state == "announced" and confirmed:
        notify_holders(r, "host_changed", _("接待代表有变动，时间不变。"))
        _bump(r, None)
    return host


def announce(r: Reception, version: int | None = None, now: datetime | None = None) -> Reception:
    """Publish the reception; booking opens. Later than the lead time is allowed but flagged."""
    now = now or clock.utcnow()
    if r.state != "planned":
        raise Refused(_("只有计划中的接待可以发布"))
    if not confirmed_hosts(r):
        raise Refused(_("至少一位接待代表确认后才能发布"))
    series = db.session.get(Series, r.series_id) if r.series_id else None
    lead = series.announce_days_before if series else 3
    _bump(r, version)
    r.state, r.announced_at = "announced", now
    r.late_announcement = now > clock.aware(r.starts_at) - timedelta(days=lead)
    db.session.flush()
    return r


def cancel(r: Reception, reason: str, version: int | None = None) -> Reception:
    """Cancel with a reason: every booking is cancelled by staff, every holder told and offered the
    next reception with 24 h of priority. Never silent."""
    if r.state not in ("planned", "announced"):
        raise Refused(_("该接待已开始或已结束，不能取消"))
    if not reason.strip():
        raise Refused(_("请填写取消原因"))
    _bump(r, version)
    nxt = next_reception(r)
    hint = _("下一场：%(when)s（24小时内优先预约）", when=api.local_dt(nxt.starts_at)) if nxt else ""
    notify_holders(r, "cancelled", _("接待已取消：%(reason)s。", reason=reason) + hint)
    db.session.execute(update(Booking).where(Booking.reception_id == r.id, Booking.state.in_(("held", "confirmed")))
                       .values(state="cancelled_by_staff", cancel_reason=reason))
    db.session.execute(update(Slot).where(Slot.reception_id == r.id).values(taken=0))
    r.state, r.cancel_reason = "cancelled", reason
    db.session.flush()
    return r


def reschedule(r: Reception, starts_at: datetime, reason: str, version: int | None = None) -> Reception:
    """Move to a new time as a new reception; holders are *offered* the new time, never moved."""
    if r.state not in ("planned", "announced"):
        raise Refused(_("该接待已开始或已结束，不能改期"))
    if clock.aware(starts_at) <= clock.utcnow():
        raise Refused(_("新的时间必须在将来"))
    _bump(r, version)
    series = db.session.get(Series, r.series_id)
    new = Reception(studio_id=r.studio_id, series_id=None, starts_at=starts_at,
                    ends_at=starts_at + (clock.aware(r.ends_at) - clock.aware(r.starts_at)),
                    reserved_walkin_seats=r.reserved_walkin_seats, walkin_enabled=r.walkin_enabled,
                    min_notice_hours=r.min_notice_hours, max_bookings_per_person_month=r.max_bookings_per_person_month,
                    moved_reason=_("由%(when)s改期", when=api.local_dt(r.starts_at)))
    db.session.add(new)
    db.session.flush()
    make_slots(new, series or _AdHoc(r))
    for h in db.session.scalars(select(Host).where(Host.reception_id == r.id)):
        db.session.add(Host(reception_id=new.id, representative_id=h.representative_id, role=h.role,
                            confirmed_at=h.confirmed_at))
    notify_holders(r, "rescheduled", _("接待改期到%(when)s（%(reason)s），原预约已取消，可优先预约新时间。",
                                       when=api.local_dt(starts_at), reason=reason))
    db.session.execute(update(Booking).where(Booking.reception_id == r.id, Booking.state.in_(("held", "confirmed")))
                       .values(state="cancelled_by_staff", cancel_reason=reason))
    db.session.execute(update(Slot).where(Slot.reception_id == r.id).values(taken=0))
    r.state, r.rescheduled_to_id, r.cancel_reason = "rescheduled", new.id, reason
    db.session.flush()
    return new


class _AdHoc:
    """Slot settings for a reception without a series."""

    def __init__(self, r: Reception):
        self.duration_min = int((clock.aware(r.ends_at) - clock.aware(r.starts_at)).total_seconds() // 60)
        self.slot_minutes, self.seats_per_slot, self.reserved_walkin_seats = 20, 1, r.reserved_walkin_seats


def next_reception(r: Reception) -> Reception | None:
    return db.session.scalar(select(Reception).where(
        Reception.studio_id == r.studio_id, Reception.id != r.id, Reception.starts_at > r.starts_at,
        Reception.state.in_(("planned", "announced"))).order_by(Reception.starts_at).limit(1))


def advance(now: datetime | None = None) -> dict:
    """The clock's transitions: announce what is due (a host confirmed), open at the start, held at the end."""
    now = now or clock.utcnow()
    out = {"announced": 0, "opened": 0, "held": 0}
    for r in db.session.scalars(select(Reception).where(Reception.state == "planned",
                                                        Reception.starts_at > now,
                                                        Reception.starts_at <= now + timedelta(days=14))).all():
        series = db.session.get(Series, r.series_id) if r.series_id else None
        lead = series.announce_days_before if series else 3
        if clock.aware(r.starts_at) - timedelta(days=lead) <= now and confirmed_hosts(r):
            announce(r, now=now)
            out["announced"] += 1
    out["opened"] = db.session.execute(update(Reception).where(
        Reception.state == "announced", Reception.starts_at <= now, Reception.ends_at > now)
        .values(state="open")).rowcount
    out["held"] = db.session.execute(update(Reception).where(
        Reception.state.in_(("announced", "open")), Reception.ends_at <= now).values(state="held")).rowcount
    db.session.flush()
    return out


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=SH)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SH)
    return start, end


def studio_of(r: Reception) -> Studio:
    return db.session.get(Studio, r.studio_id)


def ensure_unit(permission: str, studio: Studio) -> None:
    """Permission on the studio's own unit, every time."""
    unit = api.org_unit(studio.org_unit_id)
    if unit is None or not api.can(permission, unit):
        from flask import abort
        abort(403)


def my_tenant() -> int:
    return current().active
