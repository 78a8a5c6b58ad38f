"""Stage clocks and deadlines on the working-day calendar, and the SLA colour of a running stage."""
from __future__ import annotations

from core import api
from core.api import WorkCalendar, clock

from .categories import STAGE_LIMITS
from .machine import TERMINAL
from .models import Category, GridEvent


def calendar() -> WorkCalendar:
    return api.work_calendar()


def stage_limit(event: GridEvent, stage: str, category: Category) -> tuple[float, str]:
    limit = STAGE_LIMITS[stage][event.urgency]
    return limit if limit is not None else (category.limit_value, category.limit_unit)


def set_stage(event: GridEvent, stage: str, category: Category, start=None) -> None:
    """Start the clock of ``stage`` now (or at ``start``), with its explanation."""
    start = start or clock.utcnow()
    value, unit = stage_limit(event, stage, category)
    deadline = calendar().add(start, value, unit)
    event.stage, event.stage_deadline = stage, deadline.due
    event.deadline_explain = {**(event.deadline_explain or {}), stage: deadline.as_json()}
    event.calendar_complete = event.calendar_complete and deadline.complete


def set_case_deadline(event: GridEvent, category: Category, start=None) -> None:
    """At first dispatch: handling limit plus the check allowance; never moved later except by T15/T12."""
    start = start or clock.utcnow()
    handle_value, handle_unit = stage_limit(event, "handle", category)
    cal = calendar()
    handled = cal.add(start, handle_value, handle_unit)
    check_value, check_unit = stage_limit(event, "check", category)
    case = cal.add(handled.due, check_value, check_unit)
    event.case_deadline = case.due
    event.deadline_explain = {**(event.deadline_explain or {}), "case": {
        **case.as_json(), "text": f"处置 {handled.explain()}；核查 {case.explain()}"}}


def sla_colour(event: GridEvent, now=None) -> str:
    """green, yellow (75%), orange (90%), red (100%) of the running stage's limit."""
    return sla_colour_at(event.state, event.stage_deadline, event.created_at, now)


def sla_colour_at(state: str, stage_deadline, created_at, now=None) -> str:
    """:func:`sla_colour` from the three values it needs (lists select only those)."""
    if state in TERMINAL or stage_deadline is None:
        return "none"
    now = now or clock.utcnow()
    due = clock.aware(stage_deadline)
    if now >= due:
        return "red"
    started = clock.aware(created_at)
    span = (due - started).total_seconds() or 1
    used = (now - started).total_seconds() / span
    return "orange" if used >= 0.9 else "yellow" if used >= 0.75 else "green"
