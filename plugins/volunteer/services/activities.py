"""Activities: publish, sign up (capacity, FIFO waitlist), check in and out with the code shown on
the organiser's phone, the roster for people without phones, and the midnight close."""
from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from flask_babel import gettext as _
from core import api
from core.api import Refused, clock, db, lock_for_update

from ..models import Activity, Registration, ServiceRecord, Volunteer
from .common import local_date, require, user_id

WINDOW_BEFORE = timedelta(minutes=60)


def _moment(day, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    if h > 23 or m > 59:
        raise Refused(_("时间格式为 HH:MM"))
    return datetime.combine(day, time(h, m), tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())


def create_activity(data: dict) -> Activity:
    require("volunteer.activity.manage", data["org_unit_id"])
    starts, ends = _moment(data["day"], data["start_time"]), _moment(data["day"], data["end_time"])
    if ends <= starts:
        raise Refused(_("结束时间须晚于开始时间"))
    minutes = int((ends - starts).total_seconds() // 60)
    act = Activity(org_unit_id=data["org_unit_id"], title=data["title"], type=data["type"],
                   location=data.get("location") or "", starts_at=starts, ends_at=ends, capacity=data["capacity"],
                   checkin_code=new_code(), default_minutes=minutes, max_credit_minutes=minutes, state="published",
                   created_by=user_id())
    db.session.add(act)
    db.session.flush()
    return act


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _locked(activity_id: int) -> Activity:
    """The activity under a row lock (PostgreSQL; SQLite's write transaction already serialises)."""
    return db.session.scalars(lock_for_update(select(Activity).where(Activity.id == activity_id))).one()


def signup(activity: Activity, vol: Volunteer) -> Registration:
    act = _locked(activity.id)
    if act.state != "published":
        raise Refused(_("活动不在报名中"))
    found = db.session.scalar(select(Registration).where(Registration.activity_id == act.id,
                                                         Registration.volunteer_id == vol.id))
    if found is not None and found.state in ("registered", "waitlisted"):
        raise Refused(_("已报名"))
    taken = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.activity_id == act.id, Registration.state == "registered"))
    last = db.session.scalar(select(func.max(Registration.position)).where(Registration.activity_id == act.id)) or 0
    if taken < act.capacity:
        state = "registered"
    elif act.waitlist_enabled:
        state = "waitlisted"
    else:
        raise Refused(_("名额已满"))
    if found is None:
        found = Registration(activity_id=act.id, volunteer_id=vol.id)
        db.session.add(found)
    found.state, found.position = state, last + 1
    db.session.flush()
    return found


def cancel_signup(reg: Registration) -> Registration:
    """Cancelling frees the seat for the head of the waitlist (FIFO)."""
    act = _locked(reg.activity_id)
    was = reg.state
    reg.state = "cancelled"
    if was == "registered":
        head = db.session.scalar(select(Registration).where(
            Registration.activity_id == act.id, Registration.state == "waitlisted").order_by(Registration.position))
        if head is not None:
            head.state = "registered"
            vol = db.session.get(Volunteer, head.volunteer_id)
            if vol and vol.user_id:
                api.notify([vol.user_id], f"候补转正：{act.title}", "volunteer.activity", source="volunteer",
                           activity_id=act.id)
    db.session.flush()
    return reg


def _open_record(vol_id: int) -> ServiceRecord | None:
    return db.session.scalar(select(ServiceRecord).where(ServiceRecord.volunteer_id == vol_id,
                                                         ServiceRecord.state == "open"))


def check_in(activity: Activity, vol: Volunteer, code: str | None, assisted_by: int | None = None,
             now: datetime | None = None) -> ServiceRecord:
    """A check-in opens a service record. The code is the one on the organiser's phone; a staff
    roster tick (``assisted_by``) needs no code. Inside the window only: 60 min before start → end."""
    now = now or clock.utcnow()
    if activity.state not in ("published", "finished"):
        raise Refused(_("活动未开放签到"))
    if assisted_by is None and (code or "") != activity.checkin_code:
        raise Refused(_("签到码不正确"))
    if not (clock.aware(activity.starts_at) - WINDOW_BEFORE <= now <= clock.aware(activity.ends_at)):
        raise Refused(_("不在签到时间内（开始前 60 分钟至结束）"))
    if _open_record(vol.id) is not None:
        raise Refused(_("您还有未签退的服务，请先签退"))
    reg = db.session.scalar(select(Registration).where(Registration.activity_id == activity.id,
                                                       Registration.volunteer_id == vol.id))
    if reg is None:
        reg = Registration(activity_id=activity.id, volunteer_id=vol.id, state="registered", position=0)
        db.session.add(reg)
    if reg.checked_in_at is not None:
        raise Refused(_("已签到"))
    reg.checked_in_at, reg.assisted_by = now, assisted_by
    record = ServiceRecord(volunteer_id=vol.id, org_unit_id=activity.org_unit_id, activity_id=activity.id,
                           post_id=activity.post_id, service_date=local_date(now), started_at=now,
                           source="roster" if assisted_by else "checkin", state="open",
                           entered_by=assisted_by, idempotency_key=f"a{activity.id}:v{vol.id}")
    db.session.add(record)
    db.session.flush()
    return record


def check_out(activity: Activity, vol: Volunteer, now: datetime | None = None) -> ServiceRecord:
    now = now or clock.utcnow()
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.volunteer_id == vol.id,
                                                           ServiceRecord.activity_id == activity.id,
                                                           ServiceRecord.state == "open"))
    if record is None:
        raise Refused(_("没有未签退的签到"))
    actual = max(0, int((now - clock.aware(record.started_at)).total_seconds() // 60))
    record.ended_at = now
    record.minutes_claimed = min(actual, activity.max_credit_minutes or actual)
    if actual > record.minutes_claimed:
        record.uncredited_minutes, record.uncredited_reason = actual - record.minutes_claimed, "activity_cap"
    record.state = "submitted"
    reg = db.session.scalar(select(Registration).where(Registration.activity_id == activity.id,
                                                       Registration.volunteer_id == vol.id))
    if reg is not None:
        reg.checked_out_at = now
    db.session.flush()
    return record


def roster_tick(activity: Activity, vol: Volunteer) -> ServiceRecord:
    """Staff tick a volunteer present at the venue (no phone needed): a check-in that closes at the
    scheduled end with the scheduled minutes, submitted for review by someone else."""
    require("volunteer.checkin.assist", activity.org_unit_id)
    now = clock.utcnow()
    record = check_in(activity, vol, None, assisted_by=user_id(), now=max(now, clock.aware(activity.starts_at)))
    record.ended_at = clock.aware(activity.ends_at)
    record.minutes_claimed = activity.default_minutes
    record.state = "submitted"
    db.session.flush()
    return record


def close_forgotten(now: datetime | None = None) -> int:
    """At the end of the local (Asia/Shanghai) day, a check-in without check-out gets the scheduled
    minutes and goes to review (never approved automatically); the volunteer is told."""
    now = now or clock.utcnow()
    today = local_date(now)
    n = 0
    for record in db.session.scalars(select(ServiceRecord).where(ServiceRecord.state == "open",
                                                                 ServiceRecord.service_date < today)):
        act = db.session.get(Activity, record.activity_id) if record.activity_id else None
        record.minutes_claimed = act.default_minutes if act else 0
        record.ended_at = clock.aware(act.ends_at) if act else None
        record.state = "needs_review"
        record.anomaly_flags = [*record.anomaly_flags, "missing_checkout"]
        vol = db.session.get(Volunteer, record.volunteer_id)
        if vol and vol.user_id:
            api.notify([vol.user_id], "您有一次签到未签退，已按活动时长待审核", "volunteer.me", source="volunteer")
        n += 1
    db.session.flush()
    return n
