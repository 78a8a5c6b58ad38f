"""会议: scheduling a joint meeting, the meeting desk (attendance rows drive an out-of-band quorum badge),
the vote form that refuses an impossible tally inline, 生成纪要 and approval."""
from __future__ import annotations

from flask import abort, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, render_page_or_fragment

from ..models import AgendaItem, Attendance, Cycle, Decision, Meeting, Member, Station, Vote
from ..schemas import MeetingIn, METHODS, ReasonIn, VoteIn
from ..services import cycles, lists as list_svc, meetings as svc
from .lists import visible_stations


def index():
    stations = visible_stations()
    rows = db.session.scalars(select(Meeting).where(Meeting.station_id.in_([s.id for s in stations]))
                              .order_by(Meeting.starts_at.desc()).limit(100)).all()
    names = {s.id: s.display_name for s in stations}
    return render_page_or_fragment("discussion/meetings.html", "discussion/meetings.html", "main",
                                   meetings=rows, names=names, states=svc.STATES, stations=stations,
                                   cycles={s.id: cycles.current_cycle(s) for s in stations}, errors={}, form={})


def schedule(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    station = db.session.get(Station, cycle.station_id)

    def run(data):
        list_svc.require("discussion.meeting.manage", station)
        return svc.schedule(cycle, data)
    return form_action(MeetingIn(), run, page="discussion/meetings.html", fragment="discussion/meetings.html",
                       form_id="main", context=lambda **kw: {"meetings": [], "names": {}, "states": svc.STATES,
                                                             "stations": [station], "cycles": {station.id: cycle},
                                                             **kw},
                       done=lambda m: url_for("discussion.meeting", meeting_id=m.id), message=_("已安排联席会议"))


def _desk(meeting: Meeting, **kw) -> dict:
    station = db.session.get(Station, meeting.station_id)
    attendance = {a.member_id: a for a in db.session.scalars(select(Attendance).where(
        Attendance.meeting_id == meeting.id))}
    members = db.session.scalars(select(Member).where(Member.station_id == station.id).order_by(Member.id)).all()
    agenda = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                .order_by(AgendaItem.order_no)).all()
    decisions = {d.agenda_item_id: d for d in db.session.scalars(select(Decision).where(
        Decision.meeting_id == meeting.id))}
    votes = {v.agenda_item_id: v for v in db.session.scalars(select(Vote).where(
        Vote.agenda_item_id.in_([a.id for a in agenda])))} if agenda else {}
    return {"meeting": meeting, "station": station, "members": members, "attendance": attendance, "agenda": agenda,
            "decisions": decisions, "votes": votes, "states": svc.STATES, "subjects": svc.SUBJECTS,
            "outcomes": svc.OUTCOMES, "methods": METHODS, "quorum": svc.has_quorum(meeting),
            "errors": {}, "form": {}, **kw}


def desk(meeting_id: int):
    m = get_or_404(Meeting, meeting_id)
    return render_page_or_fragment("discussion/meeting.html", "discussion/_desk.html", "desk", **_desk(m))


def _sign(meeting: Meeting, present: bool):
    member = db.session.get(Member, api.arg("member", api.parse_id))
    if member is None:
        abort(404)
    return lambda data: svc.sign(meeting, member, present)


def _vote(meeting: Meeting):
    item = db.session.get(AgendaItem, api.arg("item", api.parse_id))
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return lambda data: svc.record_vote(item, data)


ACTIONS = {"open": (lambda m: lambda d: svc.open_(m), ReasonIn(partial=True), "discussion.meeting.manage"),
           "arrive": (lambda m: _sign(m, True), ReasonIn(partial=True), "discussion.meeting.manage"),
           "leave": (lambda m: _sign(m, False), ReasonIn(partial=True), "discussion.meeting.manage"),
           "vote": (_vote, VoteIn(), "discussion.vote.record"),
           "prefill": (lambda m: lambda d: svc.prefill(m), ReasonIn(partial=True), "discussion.meeting.manage"),
           "adjourn": (lambda m: lambda d: svc.adjourn(m), ReasonIn(partial=True), "discussion.meeting.manage"),
           "minutes": (lambda m: lambda d: svc.draft_minutes(m), ReasonIn(partial=True), "discussion.meeting.manage"),
           "approve": (lambda m: lambda d: svc.approve_minutes(m), ReasonIn(partial=True),
                       "discussion.minutes.approve")}


def act(meeting_id: int, action: str):
    m = get_or_404(Meeting, meeting_id)
    if action not in ACTIONS:
        abort(404)
    make, schema, permission = ACTIONS[action]
    station = db.session.get(Station, m.station_id)
    service = make(m)

    def run(data):
        list_svc.require(permission, station)
        return service(data)
    return form_action(schema, run, page="discussion/meeting.html", fragment="discussion/_desk.html",
                       form_id="desk", context=lambda **kw: _desk(m, **kw),
                       done=lambda _r: url_for("discussion.meeting", meeting_id=m.id), message=None)

