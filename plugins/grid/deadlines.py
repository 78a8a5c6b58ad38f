"""Stage clocks and deadlines on the working-day calendar, and the SLA colour of a running stage.

Each stage (sign, handle, check, callback …) has its own limit and deadline, measured from that stage's
start; the handling clock starts at dispatch (docs/grid.md §4 rule 6). The case deadline (结案时限) is
handling plus the check allowance. The limits in force at dispatch are kept on the event, so a later
category edit or the provisional recompute (§4 rule 4) never applies a limit the event was not given.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from core import api
from core.api import WorkCalendar, clock

from .categories import STAGE_LIMITS
from .machine import TERMINAL
from .models import Category, GridEvent

#: the stages whose limits are fixed at dispatch
DISPATCH_STAGES = ("sign", "handle", "check", "callback")
#: which stage's deadline the event page shows as 当前时限
STAGE_NAMES = {"sign": _l("签收时限"), "handle": _l("处置时限"), "check": _l("核查时限"), "callback": _l("回访时限")}


def calendar() -> WorkCalendar:
    return api.work_calendar()


def stage_limit(event: GridEvent, stage: str, category: Category, at_dispatch: bool = True) -> tuple[float, str]:
    """The limit of ``stage``: the one in force at dispatch once dispatched, else (or when
    ``at_dispatch`` is False, as for a corrected category) the category's current one."""
    kept = (event.limits or {}).get(stage) if at_dispatch else None
    if kept:
        return kept[0], kept[1]
    limit = STAGE_LIMITS[stage][event.urgency]
    return limit if limit is not None else (category.limit_value, category.limit_unit)


def set_stage(event: GridEvent, stage: str, category: Category, start=None) -> None:
    """Start the clock of ``stage`` now (or at ``start``), with its explanation."""
    start = start or clock.utcnow()
    value, unit = stage_limit(event, stage, category)
    deadline = calendar().add(start, value, unit)
    event.stage, event.stage_deadline, event.stage_started_at = stage, deadline.due, clock.aware(start)
    event.deadline_explain = {**(event.deadline_explain or {}), stage: deadline.as_json()}
    event.calendar_complete = event.calendar_complete and deadline.complete


def set_case_deadline(event: GridEvent, category: Category, start=None) -> None:
    """At first dispatch (and T12 with a dispatch error): fix the stage limits, then the handling deadline
    (dispatch + handling limit) and the case deadline (+ the check allowance)."""
    start = clock.aware(start or clock.utcnow())
    event.limits = {}
    event.limits = {stage: list(stage_limit(event, stage, category)) for stage in DISPATCH_STAGES}
    event.dispatched_at = start
    _case_from_dispatch(event, calendar())


def _case_from_dispatch(event: GridEvent, cal: WorkCalendar) -> None:
    handled = cal.add(event.dispatched_at, *event.limits["handle"])
    case = cal.add(handled.due, *event.limits["check"])
    event.handle_deadline, event.case_deadline = handled.due, case.due
    event.calendar_complete = event.calendar_complete and handled.complete and case.complete
    event.deadline_explain = {**(event.deadline_explain or {}), "handle": handled.as_json(), "case": {
        **case.as_json(), "text": f"处置 {handled.explain()}；核查 {case.explain()}"}}


def start_handling(event: GridEvent) -> None:
    """Signed for (T10), or back from a refused return (T13): the handler's own deadline, whose clock
    has run since dispatch."""
    event.stage, event.stage_deadline = "handle", event.handle_deadline or event.case_deadline
    event.stage_started_at = event.dispatched_at or event.stage_started_at


def sla_colour(event: GridEvent, now=None) -> str:
    """green, yellow (75%), orange (90%), red (100%) of the running stage's limit."""
    return sla_colour_at(event.state, event.stage_deadline, event.stage_started_at or event.created_at, now)


def sla_colour_at(state: str, stage_deadline, started_at, now=None) -> str:
    """:func:`sla_colour` from the values it needs (lists select only those): the running stage's
    deadline and when that stage's clock started."""
    if state in TERMINAL or stage_deadline is None:
        return "none"
    now = now or clock.utcnow()
    due = clock.aware(stage_deadline)
    if now >= due:
        return "red"
    started = clock.aware(started_at)
    span = (due - started).total_seconds() or 1
    used = (now - started).total_seconds() / span
    return "orange" if used >= 0.9 else "yellow" if used >= 0.75 else "green"


def sla_colour_until(state: str, stage_deadline, started_at, now):
    """When :func:`sla_colour_at`'s answer for these values next changes (None: it never will), so
    a list rendered now can be shown until then."""
    if state in TERMINAL or stage_deadline is None:
        return None
    due = clock.aware(stage_deadline)
    if now >= due:
        return None
    started = clock.aware(started_at)
    for share in (0.75, 0.9):
        turns = started + (due - started) * share
        if turns > now:
            return turns
    return due


def recompute_provisional(event: GridEvent, cal: WorkCalendar, extensions: list[int], paused: bool) -> dict:
    """§4 rule 4, once per provisional deadline: the case and handling deadlines again from the real
    dispatch time with the limits in force then, the approved extensions (T15) re-applied, and the
    running stage from its own start. A case paused since dispatch (挂账) keeps its deadline: a resume
    restored its remaining time, and a pause is not an edit. Returns what moved, for the timeline."""
    old = {"case": event.case_deadline, "handle": event.handle_deadline, "stage": event.stage_deadline}
    event.calendar_complete = True
    if event.dispatched_at is not None and event.limits and not paused:
        _case_from_dispatch(event, cal)
        for days in extensions:
            event.handle_deadline = cal.add(event.handle_deadline, days, "working_day").due
            extended = cal.add(event.case_deadline, days, "working_day")
            event.case_deadline = extended.due
            event.calendar_complete = event.calendar_complete and extended.complete
    if event.stage == "handle":
        if _same(old["stage"], old["handle"]):
            event.stage_deadline = event.handle_deadline
        elif _same(old["stage"], old["case"]):
            event.stage_deadline = event.case_deadline
    elif event.stage_started_at is not None and event.stage_deadline is not None and _limit_kept(event, event.stage):
        again = cal.add(event.stage_started_at, *_limit_kept(event, event.stage))
        event.stage_deadline = again.due
        event.deadline_explain = {**(event.deadline_explain or {}), event.stage: again.as_json()}
        event.calendar_complete = event.calendar_complete and again.complete
    new = {"case": event.case_deadline, "handle": event.handle_deadline, "stage": event.stage_deadline}
    return {k: {"old": _iso(old[k]), "new": _iso(new[k])} for k in old if not _same(old[k], new[k])}


def _limit_kept(event: GridEvent, stage: str) -> tuple[float, str] | None:
    """The limit the running stage was started with: fixed at dispatch, or as its explanation recorded it."""
    kept = (event.limits or {}).get(stage)
    if kept:
        return kept[0], kept[1]
    why = (event.deadline_explain or {}).get(stage) or {}
    return (why["value"], why["unit"]) if "value" in why and "unit" in why else None


def _same(a: datetime | None, b: datetime | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and clock.aware(a) == clock.aware(b))


def _iso(value: datetime | None) -> str | None:
    return clock.aware(value).isoformat() if value is not None else None
