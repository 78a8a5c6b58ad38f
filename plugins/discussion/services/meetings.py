"""Joint meetings (联席会议): agenda, attendance with quorum recomputed on every arrival and departure,
votes with recusal, append-only hash-chained decisions, minutes approved and locked (spec §3.4, §4.1–4.3)."""
from __future__ import annotations

import hashlib
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import api
from core.api import clock, db, emit, Refused

from ..models import AgendaItem, Attendance, Claim, Cycle, Decision, Item, Matter, Meeting, Member, Station, Vote
from . import cycles, matters as matter_svc

STATES = {"scheduled": "已安排", "sitting": "会议中", "adjourned": "已休会", "minutes_draft": "纪要待审定",
          "minutes_approved": "纪要已审定"}
SUBJECTS = {"matter": "议题", "claim": "认领", "project": "项目", "list_review": "清单审议",
            "action_review": "上季度项目回顾"}
OUTCOMES = {"approved": "通过", "rejected": "未通过", "deferred": "暂缓", "conditional": "附条件通过"}


def voting_members(station: Station, on=None) -> list[Member]:
    day = on or cycles.today()
    return db.session.scalars(select(Member).where(
        Member.station_id == station.id, Member.voting.is_(True),
        (Member.valid_from.is_(None)) | (Member.valid_from <= day),
        (Member.valid_to.is_(None)) | (Member.valid_to >= day)).order_by(Member.id)).all()


def quorum_required(station: Station) -> int:
    """More than half (quorum_fraction, strictly greater) of the voting members, and at least quorum_min."""
    n = len(voting_members(station))
    return max(station.quorum_min, int(n * station.quorum_fraction) + 1)


def schedule(cycle: Cycle, data: dict) -> Meeting:
    if cycle.phase == "archived":
        raise Refused(_("本季度已归档"))
    station = db.session.get(Station, cycle.station_id)
    starts = datetime.combine(data["starts_on"], time(9, 0), tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())
    meeting = Meeting(station_id=station.id, cycle_id=cycle.id, kind=data.get("kind", "joint"), starts_at=starts,
                      location=data["location"], quorum_required=quorum_required(station))
    db.session.add(meeting)
    db.session.flush()
    db.session.add(AgendaItem(meeting_id=meeting.id, subject_type="list_review", order_no=1,
                              motion_text=_("审议本季度需求、资源、项目清单")))
    db.session.flush()
    return meeting


def prefill(meeting: Meeting) -> int:
    """The draft agenda: admitted matters and committed claims of the cycle join the list review."""
    n = db.session.scalar(select(func.count()).select_from(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    added = 0
    for m in db.session.scalars(select(Matter).where(Matter.cycle_id == meeting.cycle_id, Matter.state == "admitted")):
        put_on_agenda(m, meeting)
        added += 1
    claims = db.session.scalars(select(Claim).join(Item, Item.id == Claim.item_id).where(
        Item.cycle_id == meeting.cycle_id, Claim.state == "committed")).all()
    for c in claims:
        added += 1
        db.session.add(AgendaItem(meeting_id=meeting.id, subject_type="claim", subject_id=c.id, order_no=n + added,
                                  motion_text=_("认领立项：%(name)s", name=c.claimant_name)))
    db.session.flush()
    return added


def put_on_agenda(matter: Matter, meeting: Meeting) -> AgendaItem:
    """Edit freeze: a snapshot is taken and the agenda refers to it."""
    if matter.state != "admitted":
        raise Refused(_("只有已受理的议题可以列入议程"))
    if meeting.state not in ("scheduled", "sitting"):
        raise Refused(_("会议已结束，不能再列入议程"))
    snap = matter_svc._version(matter, "snapshot")
    matter.state, matter.snapshot_id = "scheduled", snap.id
    n = db.session.scalar(select(func.count()).select_from(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(meeting_id=meeting.id, subject_type="matter", subject_id=matter.id, snapshot_id=snap.id,
                      order_no=n + 1, motion_text=matter.title)
    db.session.add(item)
    db.session.flush()
    return item


def open_(meeting: Meeting, _data: dict | None = None) -> Meeting:
    if meeting.state != "scheduled":
        raise Refused(_("会议已开始或已结束"))
    meeting.state = "sitting"
    for m in voting_members(db.session.get(Station, meeting.station_id)):
        if db.session.scalar(select(Attendance.id).where(Attendance.meeting_id == meeting.id,
                                                         Attendance.member_id == m.id)) is None:
            db.session.add(Attendance(meeting_id=meeting.id, member_id=m.id))
    db.session.flush()
    return meeting


def _recount(meeting: Meeting) -> None:
    meeting.present_voting = db.session.scalar(
        select(func.count()).select_from(Attendance).join(Member, Member.id == Attendance.member_id)
        .where(Attendance.meeting_id == meeting.id, Attendance.present.is_(True), Member.voting.is_(True)))


def sign(meeting: Meeting, member: Member, present: bool) -> Attendance:
    """An arrival or a departure; the quorum is recomputed at once."""
    if meeting.state != "sitting":
        raise Refused(_("会议未在进行中"))
    if member.station_id != meeting.station_id:
        raise Refused(_("该成员不属于本议事站"))
    row = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                     Attendance.member_id == member.id))
    if row is None:
        row = Attendance(meeting_id=meeting.id, member_id=member.id)
        db.session.add(row)
    now = clock.utcnow()
    row.present = present
    if present:
        row.arrived_at, row.left_at = row.arrived_at or now, None
    else:
        row.left_at = now
    db.session.flush()
    _recount(meeting)
    return row


def has_quorum(meeting: Meeting) -> bool:
    return meeting.present_voting >= meeting.quorum_required


def _passes(rule: str, method: str, v: dict, eligible: int) -> bool:
    if method == "consensus":
        return v["votes_against"] == 0 and v["votes_for"] > 0
    if rule == "majority_of_cast":
        return v["votes_for"] > (v["votes_for"] + v["votes_against"]) / 2
    if rule == "two_thirds_of_present":
        return v["votes_for"] * 3 >= eligible * 2
    return v["votes_for"] > eligible / 2


def _chain(decision: Decision) -> None:
    last = db.session.scalar(select(Decision.hash).order_by(Decision.id.desc()).limit(1))
    decision.prev_hash = last
    raw = "|".join(str(x) for x in (last or "", decision.meeting_id, decision.agenda_item_id or "", decision.text,
                                    decision.outcome, decision.supersedes_id or "",
                                    clock.aware(decision.decided_at).isoformat()))
    decision.hash = hashlib.sha256(raw.encode()).hexdigest()


def record_vote(item: AgendaItem, data: dict) -> Decision:
    """Quorum present at the time of the vote, a tally that fits the members who may vote, then a decision."""
    from ..events import MatterDecided
    meeting = db.session.get(Meeting, item.meeting_id)
    if meeting.state != "sitting":
        raise Refused(_("会议未在进行中，不能表决"))
    _recount(meeting)
    if not has_quorum(meeting):
        raise Refused(_("到会表决成员 %(n)s 人，未达法定人数 %(q)s 人：可以讨论，不能表决",
                        n=meeting.present_voting, q=meeting.quorum_required))
    if db.session.scalar(select(Decision.id).where(Decision.agenda_item_id == item.id)) is not None:
        raise Refused(_("该议程已作出决定；如需改变，须另行作出新决定"))
    present = {a.member_id for a in db.session.scalars(select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.present.is_(True)))}
    recused = sorted({int(r) for r in data.get("recused") or []} & present)
    eligible = meeting.present_voting - len(recused)
    total = data.get("votes_for", 0) + data.get("votes_against", 0) + data.get("abstain", 0)
    if total > eligible:
        raise Refused(_("票数合计 %(t)s 超过可表决人数 %(e)s（回避成员不计）", t=total, e=eligible))
    station = db.session.get(Station, meeting.station_id)
    db.session.add(Vote(agenda_item_id=item.id, method=data["method"], votes_for=data.get("votes_for", 0),
                        votes_against=data.get("votes_against", 0), abstain=data.get("abstain", 0),
                        recused_member_ids=recused, eligible_present=eligible))
    outcome = data.get("outcome") or ("approved" if _passes(station.pass_rule, data["method"], data, eligible)
                                      else "rejected")
    if outcome == "conditional" and not _passes(station.pass_rule, data["method"], data, eligible):
        outcome = "rejected"
    decision = Decision(meeting_id=meeting.id, agenda_item_id=item.id, outcome=outcome, decided_at=clock.utcnow(),
                        text=data.get("text") or item.motion_text, supersedes_id=data.get("supersedes_id"))
    _chain(decision)
    db.session.add(decision)
    db.session.flush()
    if item.subject_type == "matter":
        matter = db.session.get(Matter, item.subject_id)
        matter.state = {"approved": "decided_approved", "conditional": "decided_approved",
                        "rejected": "decided_rejected", "deferred": "deferred"}[outcome]
        emit(MatterDecided(matter_id=matter.id, decision_id=decision.id, case_no=matter.ref_no or "",
                           origin=matter.origin, origin_ref=matter.origin_ref or "", outcome=outcome))
        if outcome in ("approved", "conditional"):
            from .publicity import open_decision
            open_decision(matter, decision)
        if outcome == "rejected":
            matter.outcome = _("联席会议未通过：%(t)s", t=decision.text)
            matter_svc._sent_back(matter)
    return decision


def adjourn(meeting: Meeting, _data: dict | None = None) -> Meeting:
    if meeting.state != "sitting":
        raise Refused(_("会议未在进行中"))
    meeting.state = "adjourned"
    return meeting


def draft_minutes(meeting: Meeting, _data: dict | None = None) -> Meeting:
    """生成纪要: from attendance, votes and decisions; undecided matters are recorded as 记录在案."""
    if meeting.state not in ("adjourned", "minutes_draft"):
        raise Refused(_("休会后才能生成纪要"))
    lines = [_("%(place)s 联席会议纪要", place=meeting.location),
             _("应到表决成员法定人数 %(q)s 人，实到 %(n)s 人。", q=meeting.quorum_required, n=meeting.present_voting)]
    for item in db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                   .order_by(AgendaItem.order_no)):
        d = db.session.scalar(select(Decision).where(Decision.agenda_item_id == item.id))
        v = db.session.scalar(select(Vote).where(Vote.agenda_item_id == item.id))
        tally = _("（赞成 %(a)s，反对 %(b)s，弃权 %(c)s）", a=v.votes_for, b=v.votes_against, c=v.abstain) if v else ""
        lines.append(f"{item.order_no}. {SUBJECTS[item.subject_type]}：{item.motion_text} — "
                     f"{OUTCOMES[d.outcome] + tally if d else _('记录在案')}")
    meeting.minutes_text, meeting.state = "\n".join(lines), "minutes_draft"
    return meeting


def approve_minutes(meeting: Meeting, _data: dict | None = None) -> Meeting:
    """The chair and one member approve; the second approval locks and hashes the minutes."""
    from ..events import MeetingHeld
    if meeting.state != "minutes_draft":
        raise Refused(_("纪要已审定或尚未生成"))
    user = api.current().user_id
    approvers = list(meeting.minutes_approved_by or [])
    if user in approvers:
        raise Refused(_("纪要须由主持人和另一名成员共同审定"))
    approvers.append(user)
    meeting.minutes_approved_by = approvers
    if len(approvers) < 2:
        return meeting
    last = db.session.scalar(select(Meeting.hash).where(Meeting.hash.is_not(None)).order_by(
        Meeting.minutes_approved_at.desc(), Meeting.id.desc()).limit(1))
    meeting.prev_hash = last
    meeting.hash = hashlib.sha256(f"{last or ''}|{meeting.id}|{meeting.minutes_text}".encode()).hexdigest()
    meeting.state, meeting.minutes_approved_at = "minutes_approved", clock.utcnow()
    station = db.session.get(Station, meeting.station_id)
    emit(MeetingHeld(meeting_id=meeting.id, station_id=station.id, org_unit_id=station.org_unit_id,
                     decisions=db.session.scalar(select(func.count()).select_from(Decision)
                                                 .where(Decision.meeting_id == meeting.id))))
    return meeting
