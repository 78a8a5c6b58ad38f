"""Scheduled grid work: SLA warnings to the inbox, and escalation of events left red at grid level."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from core import api
from core.api import OrgUnit, clock, db, emit

from . import events as ev
from .authority import grid_staff
from . import deadlines
from .deadlines import DISPATCH_STAGES, calendar, sla_colour, stage_limit
from .machine import TERMINAL
from .models import Category, GridEvent, MediationCase, MediationLog, Summons, Transition, VisitPlan
from .records import follow_up_dates, today
from .services import report_event
from .summons import coordinator_path, name_of
from .whatif import _clock_starts

log = logging.getLogger(__name__)
WARN = {"orange": "grid.event.handle", "red": "grid.event.dispatch"}
#: a long run commits after this many events changed (on SQLite, where its transaction locks the file)
CHECKPOINT_EVERY = 100


def _recipients(path: str | None, permission: str) -> set[int]:
    """Users holding ``permission`` on the event's grid or above it (the whole street when no grid)."""
    return api.users_holding(permission, path)


#: open events are read this many at a time, in id order, so that every one is looked at however many
#: a street has (one read capped at a few thousand, in no set order, left the rest unwarned forever)
SCAN_CHUNK = 1000


def _open_events(*criteria):
    """Every non-terminal event matching ``criteria``, read in id-ordered chunks."""
    after = 0
    while True:
        chunk = list(db.session.scalars(select(GridEvent).where(GridEvent.state.not_in(TERMINAL), GridEvent.id > after,
                                                                *criteria).order_by(GridEvent.id).limit(SCAN_CHUNK)))
        yield from chunk
        if len(chunk) < SCAN_CHUNK:
            return
        after = chunk[-1].id


def sla_warnings(ctx) -> int:
    """Post one inbox message per event and colour (orange at 90%, red when due); escalate events
    still red at grid level to the community (rule E2). Idempotent: each warning is sent once."""
    now = clock.utcnow()
    sent = warned_n = 0
    events = _open_events(GridEvent.stage_deadline.is_not(None))
    paths = dict(db.session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.kind == "grid")).all())
    recipients: dict[tuple, set[int]] = {}  # per grid and colour: a backlog asks once, not once per event
    for event in events:
        colour = sla_colour(event, now)
        if colour not in WARN:
            continue
        marker = f"{colour}:{event.stage}:{event.version}"
        warned = list((event.deadline_explain or {}).get("_warned", []))
        if marker in warned:
            continue
        title = (_("事件即将超时：%(t)s", t=event.title) if colour == "orange" else _("事件已超时：%(t)s", t=event.title))
        key = (paths.get(event.grid_id), WARN[colour])
        if key not in recipients:
            recipients[key] = _recipients(*key)
        sent += api.notify(recipients[key], title, "grid.event",
                           body=_("编号 %(r)s，时限 %(d)s", r=event.ref_no,
                                  d=clock.local(event.stage_deadline).strftime("%Y-%m-%d %H:%M")),
                           source="grid", event_id=event.id)
        event.deadline_explain = {**(event.deadline_explain or {}), "_warned": [*warned, marker]}
        if colour == "red" and event.level == 0 and event.urgency == "NORMAL":
            _escalate(event, "E2", 1, _("网格层级超时，自动上报社区（E2）"))
        warned_n += 1
        if warned_n % CHECKPOINT_EVERY == 0:
            api.checkpoint()  # a backlog of warnings must not hold the street's forms waiting
    db.session.flush()
    return sent


def escalation_rules(ctx) -> int:
    """E3: still unsigned at twice the sign limit goes to the coordinator's level. E4: handling one
    working day past the case deadline goes up a level, three days past goes to the street."""
    now = clock.utcnow()
    cal = calendar()
    applied = 0
    rows = _open_events(GridEvent.state.in_(("DISPATCHED", "IN_PROGRESS")))
    committed = 0
    for event in rows:
        if applied - committed >= CHECKPOINT_EVERY:
            api.checkpoint()  # a backlog of escalations must not hold the street's forms waiting
            committed = applied
        explain = event.deadline_explain or {}
        if event.state == "DISPATCHED" and event.stage_deadline and "sign" in explain:
            started = datetime.fromisoformat(explain["sign"]["start"])
            twice = clock.aware(event.stage_deadline) + (clock.aware(event.stage_deadline) - started)
            if now > twice and event.level < 2:
                applied += _escalate(event, "E3", event.level + 1, _("派遣后超过两倍签收时限仍未签收（E3）"))
        if event.state == "IN_PROGRESS" and event.case_deadline:
            due = clock.aware(event.case_deadline)
            if now > cal.add(due, 3, "working_day").due:
                applied += _escalate(event, "E4b", 2, _("超过结案时限 3 个工作日，上报街道并列入通报（E4）"))
            elif now > cal.add(due, 1, "working_day").due and event.level < 2:
                applied += _escalate(event, "E4a", event.level + 1, _("超过结案时限 1 个工作日，上报上一级督办（E4）"))
    db.session.flush()
    return applied


def _escalate(event, rule: str, level: int, reason: str) -> int:
    """Raise the event's level once per rule; the timeline and other plugins hear of it."""
    done = list((event.deadline_explain or {}).get("_escalated", []))
    if rule in done or level <= event.level:
        return 0
    event.level = level
    event.max_level = max(event.max_level, level)
    event.deadline_explain = {**(event.deadline_explain or {}), "_escalated": [*done, rule]}
    db.session.add(Transition(event_id=event.id, code="T26", action="escalate", from_state=event.state,
                              to_state=event.state, reason=reason, payload={"rule": rule}))
    emit(ev.EventEscalated(event_id=event.id, level=level, rule=rule))
    return 1


def recompute_provisional(ctx) -> int:
    """Rule 4 of docs/grid.md §4: once a year's holiday notice is loaded, each open deadline that
    was computed on weekdays only is recomputed, once, from the real stage start with the limits in
    force at dispatch, and the recomputation is logged on the event's timeline."""
    cal = calendar()
    changed = 0
    rows = list(db.session.scalars(select(GridEvent).where(GridEvent.calendar_complete.is_(False),
                                                           GridEvent.state.not_in(TERMINAL)).limit(2000)))
    starts, _extensions = _clock_starts([e.id for e in rows]) if rows else ({}, {})
    for event in rows:
        if event.dispatched_at is None and event.id in starts:  # dispatched before the start was kept
            event.dispatched_at = starts[event.id]
            event.limits = event.limits or {s: list(stage_limit(event, s, db.session.get(Category, event.category_id)))
                                            for s in DISPATCH_STAGES}
        if not all(cal.complete(y) for y in _years(event)):
            continue
        paused = db.session.scalar(select(func.count()).select_from(Transition).where(
            Transition.event_id == event.id, Transition.action == "suspend",
            Transition.at >= (event.dispatched_at or event.created_at))) > 0
        since = event.dispatched_at or event.created_at  # a T12 dispatch error starts afresh, extensions too
        extended = [int((p or {}).get("days", 0)) for p in db.session.scalars(select(Transition.payload).where(
            Transition.event_id == event.id, Transition.action == "extend", Transition.at >= since)
            .order_by(Transition.id))]
        moved = deadlines.recompute_provisional(event, cal, extended, paused)
        case = moved.get("case")
        reason = (_("放假安排公布后重新计算结案时限：%(old)s → %(new)s", old=_shown(case["old"]), new=_shown(case["new"]))
                  if case and case["old"] else _("放假安排公布后重新计算结案时限"))
        db.session.add(Transition(event_id=event.id, code="CAL", action="recompute", from_state=event.state,
                                  to_state=event.state, reason=reason,
                                  payload={"old": (moved.get("case") or {}).get("old") or _iso(event.case_deadline),
                                           "new": _iso(event.case_deadline), "moved": moved}))
        changed += 1
    db.session.flush()
    return changed


def _shown(iso: str) -> str:
    return clock.local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def _iso(value) -> str | None:
    return clock.aware(value).isoformat() if value is not None else None


def _years(event: GridEvent) -> set[int]:
    """The years the event's deadlines run through, from its clock's start to its latest deadline."""
    start = clock.local(event.dispatched_at or event.stage_started_at or event.created_at)
    ends = [clock.local(d) for d in (event.case_deadline, event.stage_deadline, event.handle_deadline) if d is not None]
    return set(range(start.year, max([start, *ends]).year + 1))


HOTSPOT_PREFIX = "主动治理："


def hotspots(ctx) -> int:
    """E7: three or more closed events of one category in one grid within 30 days become a
    proactive-governance task (主动治理) at community level, listing the events behind it."""


    since = clock.utcnow() - timedelta(days=30)
    groups = db.session.execute(select(GridEvent.category_id, GridEvent.grid_id, func.count()).where(
        GridEvent.state == "CLOSED", GridEvent.closed_at >= since, GridEvent.grid_id.is_not(None),
        GridEvent.source != "PROACTIVE").group_by(GridEvent.category_id, GridEvent.grid_id)
        .having(func.count() >= 3)).all()
    made = 0
    for category_id, grid_id, n in groups:
        exists = db.session.scalar(select(GridEvent.id).where(
            GridEvent.category_id == category_id, GridEvent.grid_id == grid_id, GridEvent.created_at >= since,
            GridEvent.source == "PROACTIVE").limit(1))
        if exists:
            continue
        refs = list(db.session.scalars(select(GridEvent.ref_no).where(
            GridEvent.category_id == category_id, GridEvent.grid_id == grid_id, GridEvent.state == "CLOSED",
            GridEvent.closed_at >= since).order_by(GridEvent.closed_at)))
        category = db.session.get(Category, category_id)
        grid = db.session.get(OrgUnit, grid_id)
        task = report_event({"title": f"{HOTSPOT_PREFIX}{grid.name}{category.name}30天内{n}次",
                             "description": _("同一网格同类问题反复出现，请查找根源并治理。相关事件：%(r)s", r="、".join(refs)),
                             "category_id": category_id, "grid_id": grid_id, "urgency": "NORMAL"}, "PROACTIVE")
        task.level = task.max_level = 1
        made += 1
    db.session.flush()
    return made


def mediation_follow_ups(ctx) -> int:
    """On the day a mediation follow-up falls due (7 and 30 days after the agreement), remind the staff
    member who owns the case, once. A reminder only: nobody is made to check in."""
    now = today()
    sent = 0
    cases = db.session.scalars(select(MediationCase).where(
        MediationCase.agreement_on.is_not(None), MediationCase.agreement_on <= now - timedelta(days=7),
        MediationCase.handoff_on.is_(None)).limit(5000))
    for case in cases:
        reminded = list(case.reminded or [])
        done = set(db.session.scalars(select(MediationLog.follow_up_day).where(
            MediationLog.case_id == case.id, MediationLog.kind == "follow_up")))
        for day, due in follow_up_dates(case).items():
            if due > now or day in reminded or day in done:
                continue
            users = {case.responsible_id} if case.responsible_id else grid_staff(case.grid_id, "grid.log.write")
            sent += api.notify(users, _("调解回访提醒：%(t)s（协议后第 %(d)s 天）", t=case.title, d=day), "grid.mediation",
                               body=_("协议日期 %(a)s，回访日 %(d)s", a=case.agreement_on.isoformat(), d=due.isoformat()),
                               source="grid", case_id=case.id)
            reminded.append(day)
        case.reminded = reminded
    db.session.flush()
    return sent


def visit_reminders(ctx) -> int:
    """Tell each grid's staff how many care visits are due, once per due date. The message names no
    household: the list itself is opened with a reason, and that view is audited."""

    now = today()
    due = list(db.session.scalars(select(VisitPlan).where(VisitPlan.next_due <= now, or_(
        VisitPlan.reminded_for.is_(None), VisitPlan.reminded_for != VisitPlan.next_due)).limit(5000)))
    by_grid: dict[int, list] = {}
    for plan in due:
        by_grid.setdefault(plan.grid_id, []).append(plan)
        plan.reminded_for = plan.next_due
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(by_grid))).all())
    sent = 0
    for grid_id, plans in by_grid.items():
        sent += api.notify(grid_staff(grid_id, "grid.sensitive.view"),
                           _("关爱走访提醒：%(g)s 有 %(n)s 户到期", g=names.get(grid_id, ""), n=len(plans)), "grid.visits",
                           body=_("打开关爱走访名单需选择查看原因。"), source="grid")
    db.session.flush()
    return sent


def summons_overdue(ctx) -> int:
    """E9: a summoned unit that has not signed (报到) by its limit is shown red, and the coordinator
    is told once through the inbox; the reminder is on the event's timeline too."""
    now = clock.utcnow()
    rows = list(db.session.scalars(select(Summons).where(Summons.signed_at.is_(None), Summons.reminded_at.is_(None),
                                                          Summons.sign_due <= now).limit(2000)))
    sent = 0
    for row in rows:
        event = db.session.get(GridEvent, row.event_id)
        row.reminded_at = now
        if event.state in TERMINAL:
            continue
        unit = name_of(row)
        title = _("吹哨单位超时未报到：%(u)s", u=unit)
        sent += api.notify(_recipients(coordinator_path(event), "grid.event.summon"), title, "grid.event",
                           body=_("事件 %(r)s %(t)s：应于 %(d)s 前报到", r=event.ref_no, t=event.title,
                                  d=clock.local(row.sign_due).strftime("%Y-%m-%d %H:%M")),
                           source="grid", event_id=event.id)
        db.session.add(Transition(event_id=event.id, code="E9-LATE", action="summon_late", from_state=event.state,
                                  to_state=event.state, reason=title, payload={"unit": unit, "summons_id": row.id}))
    db.session.flush()
    return sent
