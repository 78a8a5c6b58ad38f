"""Supervision (物业不作为 → 社区督办, spec §3.2): the working-day clock, the warning, the escalation
into a grid event (or the community's queue without grid), the deferral and auto-close jobs, and
what comes back from the grid (the check result closes or reopens the mirror)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import clock, db, emit

from .. import events as ev
from ..models import PropertyCompany, Ticket, TicketCategory
from ..models.tickets import OPEN_STATES
from . import scope
from .tickets import (RESIDENT_CHANNELS, _close, _move, _staff_ids, _tell_provider, _tell_reporter, grid_checked, log,
                      timeline)


def due_times(ticket: Ticket) -> tuple:
    """When the warning and the escalation fall due, counted in working days from ``clock_from``."""
    settings = api.settings("property")
    cal = api.work_calendar()
    start = clock.aware(ticket.clock_from or ticket.created_at)
    return (cal.add(start, settings["warn_working_days"], "working_day").due,
            cal.add(start, settings["escalate_working_days"], "working_day").due)


def supervised(ticket: Ticket) -> bool:
    return ticket.state in OPEN_STATES and not ticket.is_mirror and ticket.sent_to_community_at is None


def days_left(ticket: Ticket) -> int | None:
    """Working days before the escalation (the banner's 距转社区督办还剩 N 个工作日)."""
    if not supervised(ticket):
        return None
    _warn, escalate = due_times(ticket)
    cal = api.work_calendar()
    d, end, n = scope.today(), clock.local(escalate).date(), 0
    while d < end:
        d += timedelta(days=1)
        n += 1 if cal.is_working(d) else 0
    return n


def run(now=None) -> dict:
    """Job: warn at 2 working days, escalate at 3 (once per ticket); a DEFERRED ticket's clock is paused."""
    now = clock.aware(now or clock.utcnow())
    done = {"warned": 0, "escalated": 0}
    for ticket in db.session.scalars(select(Ticket).where(Ticket.state.in_(OPEN_STATES), Ticket.is_mirror.is_(False),
                                                          Ticket.sent_to_community_at.is_(None))):
        warn, escalate = due_times(ticket)
        if now >= escalate:
            escalate_ticket(ticket)
            done["escalated"] += 1
        elif now >= warn and ticket.warned_at is None:
            ticket.warned_at = now
            when = clock.local(escalate).strftime("%m月%d日%H:%M")
            log(ticket, "internal_note", "system", {"action": "warn", "escalate_at": escalate.isoformat()}, visible=False)
            _tell_provider(ticket, _("工单 %(r)s 再无处理将于 %(w)s 转社区督办", r=ticket.ref_no, w=when))
            done["warned"] += 1
    db.session.flush()
    return done


def escalate_ticket(ticket: Ticket) -> Ticket:
    """Mark the ticket sent to the community, make it a mirror, and announce it (the grid makes the event)."""
    ticket.sent_to_community_at, ticket.is_mirror = clock.utcnow(), True
    ticket.version += 1
    compound = api.org_unit(ticket.compound_id)
    grids = scope.grids_of(compound)
    category = db.session.get(TicketCategory, ticket.category_id) if ticket.category_id else None
    provider = db.session.get(PropertyCompany, ticket.provider_id) if ticket.provider_id else None
    history = [{"at": clock.aware(a.at).isoformat(), "kind": a.kind, "role": a.actor_role,
                "action": a.payload.get("action", ""), "text": a.payload.get("text", "")}
               for a in timeline(ticket, resident=True)]
    log(ticket, "resident_message", "system", {"action": "escalate", "text": _("已转社区督办")})
    db.session.flush()
    emit(ev.TicketSupervisionEscalated(
        ticket_id=ticket.id, ref_no=ticket.ref_no, case_no=ticket.case_no or "", compound_id=compound.id,
        compound_name=compound.name, community_id=compound.parent_id or 0, grid_id=grids[0].id if grids else 0,
        category=category.name if category else "", description=ticket.description[:500], channel=ticket.channel,
        provider_id=ticket.provider_id or 0, provider_name=provider.name if provider else "",
        excluded_checkers=_staff_ids(ticket.provider_id), history=history))
    _tell_reporter(ticket, _("您的工单 %(r)s 已转社区督办", r=ticket.ref_no))
    community = api.org_unit(compound.parent_id) or compound
    users = api.users_holding("property.ticket.callback", community, inside=True)
    if users:
        api.notify(sorted(users), _("物业工单 %(r)s 超时未处理，已转社区督办", r=ticket.ref_no), "property.ticket",
                   ticket_id=ticket.id)
    return ticket


def queue():
    """The community's supervision queue: escalated tickets not yet linked to a grid event, and open."""
    return (select(Ticket).where(Ticket.sent_to_community_at.is_not(None), Ticket.grid_event_ref.is_(None),
                                 Ticket.state != "CLOSED").order_by(Ticket.sent_to_community_at))


def community_check(ticket: Ticket, data: dict) -> Ticket:
    """Without grid: community staff check the work of an escalated ticket; never someone the company employs."""
    from core.api import Refused
    if ticket.grid_event_ref:
        raise Refused(_("该工单由网格事件核查"))
    if scope.employed_by(api.current().user_id, ticket.provider_id):
        raise Refused(_("物业企业员工不能核查本企业的工作"))
    if ticket.sent_to_community_at is None or ticket.state != "COMPLETED":
        raise Refused(_("只有已转社区督办并已完成的工单可以核查"))
    if data.get("passed"):
        return _close(ticket, "verified_by_community", "community_check", "staff")
    if not data.get("reason"):
        raise Refused(_("核查不通过须说明原因"))
    return _move(ticket, "IN_PROGRESS", "community_check", "staff", {"passed": False, "reason": data["reason"]})


def _by_case(event) -> Ticket | None:
    case_no = getattr(event, "case_no", "") or api.case_number("grid.event", getattr(event, "event_id", 0))
    if not case_no:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.case_no == case_no))


def from_grid(event) -> None:
    """grid.event_created (links the mirror), grid.check_result (closes or reopens it), grid.event_closed
    (records the outcome). Idempotent: the same delivery twice changes nothing more."""
    ticket = _by_case(event)
    if ticket is None or not ticket.is_mirror:
        return
    if event.name == "grid.event_created":
        if getattr(event, "source", "") == "PROPERTY" and not ticket.grid_event_ref:
            ticket.grid_event_ref = str(event.event_id)
            log(ticket, "status_change", "grid", {"action": "grid_linked", "grid_event_id": event.event_id})
        return
    if ticket.grid_event_ref and ticket.grid_event_ref != str(event.event_id):
        return
    if event.name == "grid.check_result":
        already = any(a.payload.get("source_event") == event.id for a in timeline(ticket))
        if not already:
            grid_checked(ticket, bool(event.passed), getattr(event, "reason", ""))
            log(ticket, "internal_note", "grid", {"source_event": event.id, "passed": bool(event.passed)}, visible=False)
    elif event.name == "grid.event_closed" and ticket.state != "CLOSED":
        log(ticket, "status_change", "grid", {"action": "grid_closed", "closure": getattr(event, "closure_type", "")})
    db.session.flush()


def jobs(now=None) -> dict:
    return {**run(now), "resumed": resume_due(), "auto_closed": auto_close(now)}


def resume_due(on: date | None = None) -> int:
    """Job: a deferral whose date is reached goes back to ACCEPTED and the supervision clock restarts."""
    on = on or scope.today()
    n = 0
    for ticket in db.session.scalars(select(Ticket).where(Ticket.state == "DEFERRED", Ticket.deferred_until <= on)):
        ticket.clock_from, ticket.warned_at, ticket.deferred_until = clock.utcnow(), None, None
        _move(ticket, "ACCEPTED", "resume", "system")
        n += 1
    return n


def auto_close(now=None) -> int:
    """Job: resident-entered tickets completed 7 natural days ago with no rating close as 未评价."""
    now = clock.aware(now or clock.utcnow())
    days = api.settings("property")["auto_close_days"]
    n = 0
    for ticket in db.session.scalars(select(Ticket).where(Ticket.state == "COMPLETED", Ticket.is_mirror.is_(False),
                                                          Ticket.channel.in_(RESIDENT_CHANNELS))):
        if clock.aware(ticket.completed_at) + timedelta(days=days) <= now:
            _close(ticket, "not_rated", "auto_close", "system")
            n += 1
    return n


