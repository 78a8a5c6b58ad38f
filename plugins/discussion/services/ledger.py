"""台账: everything one joint meeting leaves behind on paper (sign-in sheet, quorum, agenda, tallies, decisions
with their hashes, minutes), and the yearly co-building unit report that feeds the annual 共建评价."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import func, select

from core import api
from core.api import db

from ..models import (AgendaItem, Attendance, Claim, Covenant, Decision, Item, Matter, Meeting, Member, Project,
                      Station, Unit, Vote)


def meeting_ledger(meeting: Meeting) -> dict:
    station = db.session.get(Station, meeting.station_id)
    day = api.clock.local(meeting.starts_at).date()
    members = db.session.scalars(select(Member).where(
        Member.station_id == station.id, (Member.valid_from.is_(None)) | (Member.valid_from <= day),
        (Member.valid_to.is_(None)) | (Member.valid_to >= day)).order_by(Member.voting.desc(), Member.id)).all()
    attendance = {a.member_id: a for a in db.session.scalars(select(Attendance).where(
        Attendance.meeting_id == meeting.id))}
    agenda = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                .order_by(AgendaItem.order_no)).all()
    ids = [a.id for a in agenda]
    votes = {v.agenda_item_id: v for v in db.session.scalars(select(Vote).where(Vote.agenda_item_id.in_(ids)))} \
        if ids else {}
    decisions = db.session.scalars(select(Decision).where(Decision.meeting_id == meeting.id)
                                   .order_by(Decision.id)).all()
    matters = {m.id: m for m in db.session.scalars(select(Matter).where(Matter.id.in_(
        [a.subject_id for a in agenda if a.subject_type == "matter"])))} if agenda else {}
    voting = [m for m in members if m.voting]
    present = [m for m in voting if attendance.get(m.id) and attendance[m.id].present]
    return {"meeting": meeting, "station": station, "members": members, "attendance": attendance,
            "agenda": agenda, "votes": votes, "decisions": decisions,
            "by_item": {d.agenda_item_id: d for d in decisions}, "matters": matters,
            "member_names": {m.id: m.name for m in members}, "voting_n": len(voting), "present_n": len(present)}


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=api.clock.SHANGHAI).astimezone(timezone.utc)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=api.clock.SHANGHAI).astimezone(timezone.utc)
    return start, end


HEADER = ["单位", "统一社会信用代码", "类型", "共建协议", "提出认领", "验收认领", "验收数量", "发布清单", "牵头项目"]


def unit_year(year: int) -> list[dict]:
    """Per co-building unit (one row per uscc): the covenants in force that year, claims made and verified,
    list items the unit published and projects it led."""
    start, end = _year_bounds(year)
    y0, y1 = date(year, 1, 1), date(year, 12, 31)
    claims = dict(db.session.execute(select(Claim.claimant_unit_id, func.count()).where(
        Claim.created_at >= start, Claim.created_at < end).group_by(Claim.claimant_unit_id)).all())
    verified = {u: (n, q) for u, n, q in db.session.execute(select(
        Claim.claimant_unit_id, func.count(), func.coalesce(func.sum(Claim.quantity), 0)).where(
        Claim.state == "verified", Claim.verified_at >= start, Claim.verified_at < end)
        .group_by(Claim.claimant_unit_id))}
    items = dict(db.session.execute(select(Item.owner_id, func.count()).where(
        Item.owner_type == "unit", Item.carried_from_id.is_(None), Item.created_at >= start, Item.created_at < end)
        .group_by(Item.owner_id)).all())
    led = dict(db.session.execute(select(Project.lead_unit_id, func.count()).where(
        Project.start_on >= y0, Project.start_on <= y1).group_by(Project.lead_unit_id)).all())
    covenants: dict[int, list] = {}
    for c in db.session.scalars(select(Covenant).where((Covenant.term_start.is_(None)) | (Covenant.term_start <= y1),
                                                       (Covenant.term_end.is_(None)) | (Covenant.term_end >= y0))
                                .order_by(Covenant.term_end)):
        covenants.setdefault(c.unit_id, []).append(c)
    rows = []
    for u in db.session.scalars(select(Unit).order_by(Unit.name)):
        n, q = verified.get(u.id, (0, 0))
        cov = covenants.get(u.id, [])
        rows.append({"unit": u, "covenant": "；".join(f"{c.term_start or ''}—{c.term_end or ''}" for c in cov),
                     "claims": claims.get(u.id, 0), "verified": n, "quantity": int(q), "listed": items.get(u.id, 0),
                     "projects": led.get(u.id, 0)})
    return rows


def unit_year_rows(year: int) -> list[list]:
    return [[r["unit"].name, r["unit"].uscc, r["unit"].type, r["covenant"], r["claims"], r["verified"], r["quantity"],
             r["listed"], r["projects"]] for r in unit_year(year)]
