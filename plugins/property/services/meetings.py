"""Four-party joint meetings (四方联席会议, 河西社区"四位一体联席工作法"): schedule with the open
actions of earlier meetings carried onto the agenda, attendance by party role (an absent required party
is allowed but flagged), minutes approved and then locked and hashed, and resolution lines that become
a ticket, a grid event, a co-building demand or a task (spec §2, §4 "Joint meetings", §5)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from core import api
from core.api import Refused, clock, current, db, emit

from ..models.meetings import ACTION_KINDS, JointMeeting, MeetingAction

DEFAULT_PARTIES = (("party_org", "社区党组织"), ("residents_committee", "居委会"),
                   ("owners_committee", "业委会/物管会"), ("property_company", "物业服务企业"))
STATE_LABELS = {"scheduled": _l("待召开"), "held": _l("已召开（纪要待审定）"), "approved": _l("纪要已审定"), "cancelled": _l("已取消")}
KIND_LABELS = {"ticket": _l("报修工单"), "grid_event": _l("网格事件"), "co_building": _l("共建需求"), "task": _l("工作任务")}
ACTION_STATE_LABELS = {"open": _l("办理中"), "done": _l("已办结"), "dropped": _l("已撤销")}


def parties() -> list[tuple[str, str]]:
    """The tenant's list of parties (setting ``meeting_parties``: one "code:名称" a line or comma-separated)."""
    try:
        raw = api.settings("property").get("meeting_parties") or ""
    except Exception:  # noqa: BLE001 - no settings outside a tenant context
        raw = ""
    out = []
    for part in str(raw).replace("\n", ",").split(","):
        code, _sep, label = part.strip().partition(":")
        if code.strip():
            out.append((code.strip(), (label or code).strip()))
    return out or list(DEFAULT_PARTIES)


def _require(community_id: int) -> None:
    unit = api.org_unit(community_id)
    if unit is None:
        raise Refused(_("没有这个社区"))
    if current().user_id is not None and not api.can("property.meeting.manage", unit):
        raise Refused(_("您没有组织这个社区联席会议的权限"))


def open_actions(community_id: int, before: datetime | None = None) -> list[MeetingAction]:
    stmt = select(MeetingAction).join(JointMeeting, JointMeeting.id == MeetingAction.meeting_id).where(
        JointMeeting.community_id == community_id, MeetingAction.state == "open",
        JointMeeting.state.in_(("held", "approved")))
    if before is not None:
        stmt = stmt.where(JointMeeting.scheduled_at < before)
    return list(db.session.scalars(stmt.order_by(JointMeeting.scheduled_at, MeetingAction.order_no)))


def schedule(data: dict) -> JointMeeting:
    _require(data["community_id"])
    at = data["scheduled_at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=clock.SHANGHAI)
    carried = [a.id for a in open_actions(data["community_id"], at)]
    m = JointMeeting(community_id=data["community_id"], compound_ids=list(data.get("compound_ids") or []),
                     scheduled_at=at.astimezone(clock.timezone_utc()), location=data.get("location", ""),
                     topic=data.get("topic", ""), agenda=data.get("agenda", ""), carried_action_ids=carried,
                     parties_present=[{"role": code, "label": label, "name": "", "present": False}
                                      for code, label in parties()],
                     created_by=current().user_id)
    db.session.add(m)
    db.session.flush()
    return m


def _unlocked(m: JointMeeting) -> None:
    if m.state == "approved" or m.approved_at is not None:
        raise Refused(_("会议纪要已审定锁定，不能修改"))
    if m.state == "cancelled":
        raise Refused(_("会议已取消"))


def record(m: JointMeeting, data: dict) -> JointMeeting:
    """Attendance by party role (one entry per role) and the minutes; the meeting is then held."""
    _require(m.community_id)
    _unlocked(m)
    present = set(data.get("present") or [])
    names = data.get("names") or {}
    known = {code for code, _label in parties()}
    if present - known:
        raise Refused(_("未知的参会方"))
    m.parties_present = [{"role": code, "label": label, "name": (names.get(code) or "")[:40], "present": code in present}
                         for code, label in parties()]
    m.party_absent = any(not p["present"] for p in m.parties_present)
    if "minutes" in data:
        m.minutes = data["minutes"]
    m.state = "held"
    db.session.flush()
    return m


def add_action(m: JointMeeting, data: dict) -> MeetingAction:
    from ..events import MeetingActionCreated
    _require(m.community_id)
    _unlocked(m)
    if m.state != "held":
        raise Refused(_("请先登记参会情况，再记录议定事项"))
    if data["kind"] not in ACTION_KINDS:
        raise Refused(_("请选择事项类型"))
    if data["kind"] == "ticket" and not m.compound_ids:
        raise Refused(_("转为报修工单须先选定涉及的小区"))
    n = db.session.scalar(select(func.count()).select_from(MeetingAction).where(MeetingAction.meeting_id == m.id))
    a = MeetingAction(meeting_id=m.id, order_no=n + 1, text=data["text"], kind=data["kind"],
                      owner=data.get("owner", ""), due_on=data.get("due_on"), created_by=current().user_id)
    db.session.add(a)
    db.session.flush()
    if a.kind == "ticket":  # a ticket of the meeting's first compound, entered by staff
        from . import tickets
        ticket = tickets.create(api.org_unit(m.compound_ids[0]), {"description": a.text}, channel="staff",
                                on_behalf=True)
        a.target_ref = ticket.ref_no
    elif a.kind in ("grid_event", "co_building"):
        a.target_ref = f"PM-{m.id}-{a.order_no}"
        emit(MeetingActionCreated(action_id=a.id, meeting_id=m.id, kind=a.kind, community_id=m.community_id,
                                  compound_ids=list(m.compound_ids or []), text=a.text, owner=a.owner,
                                  due_on=a.due_on.isoformat() if a.due_on else "", ref=a.target_ref))
    db.session.flush()
    return a


def close_action(a: MeetingAction, result: str, state: str = "done") -> MeetingAction:
    m = db.session.get(JointMeeting, a.meeting_id)
    _require(m.community_id)
    if a.state != "open":
        raise Refused(_("该事项已办结"))
    if state not in ("done", "dropped"):
        raise Refused(_("状态不正确"))
    if not (result or "").strip():
        raise Refused(_("请填写办理结果"))
    a.state, a.result, a.done_at = state, result.strip()[:200], clock.utcnow()
    db.session.flush()
    return a


def minutes_digest(m: JointMeeting, actions: list[MeetingAction], prev: str | None) -> str:
    body = "|".join([prev or "", str(m.id), m.minutes, repr(m.parties_present),
                     *[f"{a.order_no}:{a.kind}:{a.text}:{a.owner}:{a.due_on}" for a in actions]])
    return hashlib.sha256(body.encode()).hexdigest()


def approve(m: JointMeeting) -> JointMeeting:
    """Lock the minutes (and hash them, chained to the tenant's previous approved meeting)."""
    _require(m.community_id)
    _unlocked(m)
    if m.state != "held" or not (m.minutes or "").strip():
        raise Refused(_("会议召开并填写纪要后才能审定"))
    actions = list(db.session.scalars(select(MeetingAction).where(MeetingAction.meeting_id == m.id)
                                      .order_by(MeetingAction.order_no)))
    prev = db.session.scalar(select(JointMeeting.hash).where(JointMeeting.hash.is_not(None))
                             .order_by(JointMeeting.approved_at.desc(), JointMeeting.id.desc()).limit(1))
    m.prev_hash, m.hash = prev, minutes_digest(m, actions, prev)
    m.state, m.approved_by, m.approved_at = "approved", current().user_id, clock.utcnow()
    db.session.flush()
    return m


def cancel(m: JointMeeting) -> JointMeeting:
    _require(m.community_id)
    _unlocked(m)
    if m.state != "scheduled":
        raise Refused(_("已召开的会议不能取消"))
    m.state = "cancelled"
    db.session.flush()
    return m


def compliance(year: int, quarter: int) -> list[dict]:
    """Meetings held per community in a quarter (at least one is the default rule)."""
    from core.api import OrgUnit
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    held = dict(db.session.execute(select(JointMeeting.community_id, func.count()).where(
        JointMeeting.state.in_(("held", "approved")),
        JointMeeting.scheduled_at >= datetime.combine(first, datetime.min.time(), clock.SHANGHAI),
        JointMeeting.scheduled_at < datetime.combine(last, datetime.min.time(), clock.SHANGHAI))
        .group_by(JointMeeting.community_id)).all())
    opened = dict(db.session.execute(select(JointMeeting.community_id, func.count()).join(
        MeetingAction, MeetingAction.meeting_id == JointMeeting.id).where(MeetingAction.state == "open")
        .group_by(JointMeeting.community_id)).all())
    return [{"community": c, "held": held.get(c.id, 0), "open_actions": opened.get(c.id, 0),
             "ok": held.get(c.id, 0) >= 1}
            for c in db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.path))]
