"""Service records and their approval: separation of duties, the daily cap, crediting the ledger.

Approval locks the volunteer's row (PostgreSQL; SQLite's write transaction serialises), so the
daily allowance is read and used by one approval at a time; the record moves to ``approved`` with a
conditional update, so of two approvals of one record exactly one posts.
"""
from __future__ import annotations

from sqlalchemy import func, select, update

from flask_babel import gettext as _
from core import api
from core.api import Refused, Stale, clock, db, emit, lock_for_update

from ..events import HoursApproved, RecordVoided
from ..models import Activity, Certificate, LedgerTxn, ServiceRecord, Volunteer
from ..models.activities import RECORD_STATES, SOURCES
from . import ledger, periods
from .common import require, user_id

REVIEWABLE = ("submitted", "needs_review")


def _settings() -> dict:
    return api.settings("volunteer")


def backfill(data: dict) -> ServiceRecord:
    """Staff enter time after the fact (one record or a row of a paper sheet): hours, no points."""
    vol = db.session.get(Volunteer, data["volunteer_id"])
    if vol is None:
        raise Refused(_("没有这名志愿者"))
    require("volunteer.record.enter", vol.org_unit_id)
    key = f"b:v{vol.id}:{data['service_date'].isoformat()}:{data['minutes']}:{data['note'][:40]}"
    if db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.idempotency_key == key)) is not None:
        raise Refused(_("已记录"))
    rec = ServiceRecord(volunteer_id=vol.id, org_unit_id=vol.org_unit_id, service_date=data["service_date"],
                        minutes_claimed=data["minutes"], source="backfill", note=data["note"], entered_by=user_id(),
                        state="submitted", idempotency_key=key)
    db.session.add(rec)
    db.session.flush()
    return rec


def from_grid_event(event) -> int:
    """grid.event_closed with assistants: each assistant who is a volunteer gets a submitted record
    (source linked_event, minutes as declared). Idempotent on the grid event."""
    n = 0
    day = clock.utcnow().astimezone(clock.SHANGHAI).date()
    for helper in event.assistants or []:
        person_id, minutes = helper.get("person_id"), int(helper.get("minutes") or 0)
        vol = db.session.scalar(select(Volunteer).where(Volunteer.person_id == person_id)) if person_id else None
        if vol is None or minutes <= 0:
            continue
        key = f"grid:{event.event_id}:v{vol.id}"
        if db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.idempotency_key == key)) is not None:
            continue
        db.session.add(ServiceRecord(volunteer_id=vol.id, org_unit_id=vol.org_unit_id, service_date=day,
                                     minutes_claimed=min(minutes, 1440), source="linked_event",
                                     linked_ref=f"grid:{event.event_id}", note=f"协助办结网格事件 {event.case_no or ''}",
                                     declared_by=helper.get("declared_by"), state="submitted", idempotency_key=key))
        n += 1
    db.session.flush()
    return n


def _guard_duties(rec: ServiceRecord, vol: Volunteer) -> None:
    """Nobody approves their own hours, nor hours they entered or declared."""
    me = user_id()
    if me is not None and me in (vol.user_id, rec.entered_by, rec.declared_by):
        raise Refused(_("不能审核本人的服务时长，也不能审核自己录入的记录"))


def _overlaps(rec: ServiceRecord) -> bool:
    if rec.started_at is None or rec.ended_at is None:
        return False
    return db.session.scalar(select(func.count()).select_from(ServiceRecord).where(
        ServiceRecord.volunteer_id == rec.volunteer_id, ServiceRecord.state == "approved", ServiceRecord.id != rec.id,
        ServiceRecord.started_at < rec.ended_at, ServiceRecord.ended_at > rec.started_at)) > 0


def approve(rec: ServiceRecord) -> ServiceRecord:
    """Credit hours (and points unless back-filled), dated by the service date, within the daily cap."""
    require("volunteer.record.approve", rec.org_unit_id)
    vol = db.session.scalars(lock_for_update(select(Volunteer).where(Volunteer.id == rec.volunteer_id))).one()
    _guard_duties(rec, vol)
    db.session.refresh(rec)
    if rec.state not in REVIEWABLE:
        raise Stale("volunteer/_record_row.html", r=rec, decided=_approver_name(rec), states=RECORD_STATES, sources=SOURCES)
    if _overlaps(rec):
        raise Refused(_("与该志愿者已审核的另一条记录时间重叠"))
    cap = int(_settings().get("daily_cap_minutes") or 480)
    used = db.session.scalar(select(func.coalesce(func.sum(ServiceRecord.minutes_credited), 0)).where(
        ServiceRecord.volunteer_id == vol.id, ServiceRecord.service_date == rec.service_date,
        ServiceRecord.state == "approved")) or 0
    act_cap = None
    if rec.activity_id:
        act_cap = db.session.scalar(select(Activity.max_credit_minutes).where(Activity.id == rec.activity_id)) or None
    allow, limit = max(0, cap - used), act_cap or rec.minutes_claimed
    credited = min(rec.minutes_claimed, limit, allow)
    reason = rec.uncredited_reason
    if credited < rec.minutes_claimed:
        reason = "activity_cap" if limit <= allow and limit < rec.minutes_claimed else "daily_cap"
    done = db.session.execute(update(ServiceRecord).where(ServiceRecord.id == rec.id,
                                                          ServiceRecord.state.in_(REVIEWABLE)).values(
        state="approved", approved_by=user_id(), approved_at=clock.utcnow(), minutes_credited=credited,
        uncredited_minutes=rec.uncredited_minutes + rec.minutes_claimed - credited,
        uncredited_reason=reason).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        fresh = _fresh(rec.id)
        raise Stale("volunteer/_record_row.html", r=fresh, decided=_approver_name(fresh), states=RECORD_STATES, sources=SOURCES)
    db.session.refresh(rec)
    if credited > 0:
        points = 0 if rec.source == "backfill" else credited * int(_settings().get("points_per_hour", 1)) * 100 // 60
        ledger.earn(vol.id, credited, points, rec.service_date, ("record", rec.id), f"r{rec.id}", user_id())
    emit(HoursApproved(record_id=rec.id, volunteer_id=vol.id, person_id=vol.person_id, minutes=credited,
                       service_date=rec.service_date.isoformat(), source=rec.source, post_id=rec.post_id or 0,
                       activity_id=rec.activity_id or 0))
    return rec


def _fresh(record_id: int) -> ServiceRecord:
    return db.session.execute(select(ServiceRecord).where(ServiceRecord.id == record_id)
                              .execution_options(populate_existing=True)).scalar_one()


def _approver_name(rec: ServiceRecord) -> str:
    if rec is None or not rec.approved_by:
        return ""
    account = db.session.get(api.Account, rec.approved_by)
    return account.display_name or account.username if account else ""


def reject(rec: ServiceRecord, reason: str) -> ServiceRecord:
    require("volunteer.record.approve", rec.org_unit_id)
    if not reason:
        raise Refused(_("请填写原因"))
    _decide(rec, "rejected", reject_reason=reason)
    return rec


def return_for_fix(rec: ServiceRecord, note: str) -> ServiceRecord:
    """Ask the volunteer for more information: the record goes back to draft."""
    require("volunteer.record.approve", rec.org_unit_id)
    if not note:
        raise Refused(_("请说明需要补充的内容"))
    _decide(rec, "draft", reject_reason=note)
    vol = db.session.get(Volunteer, rec.volunteer_id)
    if vol and vol.user_id:
        api.notify([vol.user_id], "服务记录需要补充说明", "volunteer.me", source="volunteer")
    return rec


def resubmit(rec: ServiceRecord, note: str) -> ServiceRecord:
    vol = db.session.get(Volunteer, rec.volunteer_id)
    if vol is None or vol.user_id != user_id():
        raise Refused(_("只能补充本人的服务记录"))
    _decide(rec, "submitted", frm=("draft",), note=(rec.note + "\n" + note).strip()[:2000])
    return rec


def _decide(rec: ServiceRecord, to: str, frm=REVIEWABLE, **values) -> None:
    done = db.session.execute(update(ServiceRecord).where(ServiceRecord.id == rec.id, ServiceRecord.state.in_(frm))
                              .values(state=to, **values).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        fresh = _fresh(rec.id)
        raise Stale("volunteer/_record_row.html", r=fresh, decided=_approver_name(fresh), states=RECORD_STATES, sources=SOURCES)
    db.session.refresh(rec)


def void(rec: ServiceRecord, reason: str):
    """Void an approved record: reverse its HOURS_CREDIT and EARN; certificates over that day need
    review. Dated in a closed period, the void waits for a second approver (returns the request)."""
    require("volunteer.record.void", rec.org_unit_id)
    if not reason:
        raise Refused(_("作废须说明原因"))
    if rec.state != "approved":
        raise Stale("volunteer/_record_row.html", r=rec, decided=_approver_name(rec), states=RECORD_STATES, sources=SOURCES)
    if periods.is_closed(rec.service_date):
        from .adjustments import request_void
        return request_void(rec, reason)
    return do_void(rec, reason)


def do_void(rec: ServiceRecord, reason: str, requested_by: int | None = None,
            approved_by: int | None = None) -> ServiceRecord:
    """The void itself: the reversals go into the open period (late when the record's month is closed)."""
    _decide(rec, "voided", frm=("approved",), reject_reason=reason)
    for key in (f"hours:r{rec.id}", f"earn:r{rec.id}"):
        txn_id = db.session.scalar(select(LedgerTxn.id).where(LedgerTxn.idempotency_key == key))
        if txn_id is not None:
            ledger.reverse(txn_id, f"作废：{reason}"[:200], requested_by or user_id(), approved_by=approved_by)
    db.session.execute(update(Certificate).where(
        Certificate.volunteer_id == rec.volunteer_id, Certificate.state == "valid",
        Certificate.range_from <= rec.service_date, Certificate.range_to >= rec.service_date)
        .values(state="needs_review").execution_options(synchronize_session=False))
    vol = db.session.get(Volunteer, rec.volunteer_id)
    emit(RecordVoided(record_id=rec.id, volunteer_id=rec.volunteer_id, person_id=vol.person_id if vol else 0,
                      minutes=rec.minutes_credited, reason=reason))
    return rec


def pending(unit_ids=None, limit: int = 200) -> list[ServiceRecord]:
    stmt = select(ServiceRecord).where(ServiceRecord.state.in_(REVIEWABLE))
    if unit_ids is not None:
        stmt = stmt.where(ServiceRecord.org_unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt.order_by(ServiceRecord.service_date, ServiceRecord.id).limit(limit)))


def approvable(ids: list[int]) -> list[ServiceRecord]:
    """What a batch approval would approve: reviewable records without flags, in the user's units."""
    rows = db.session.scalars(select(ServiceRecord).where(ServiceRecord.id.in_(ids), ServiceRecord.state.in_(
        REVIEWABLE)).order_by(ServiceRecord.id))
    out = []
    for rec in rows:
        if not rec.anomaly_flags and api.can("volunteer.record.approve", api.org_unit(rec.org_unit_id)):
            out.append(rec)
    return out


def bulk_approve(ids: list[int]) -> tuple[list[int], list[tuple[int, str]]]:
    """Approve each clean record in its own savepoint; returns (approved, [(id, why not)])."""
    done, skipped = [], []
    for rec in approvable(ids):
        try:
            with db.session.begin_nested():
                approve(rec)
            done.append(rec.id)
        except (Refused, Stale) as err:
            skipped.append((rec.id, str(err) or "已由他人处理"))
    return done, skipped

