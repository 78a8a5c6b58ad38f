"""Effects of the handling actions (dispatch T9 to cancel T25): signing, returns, extensions,
suspensions, results, checks, callbacks, reopening, escalation and mass incidents."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import OrgUnit, clock, db, emit

from .. import authority
from .. import events as ev
from ..deadlines import calendar, set_case_deadline, set_stage, stage_limit, start_handling
from ..linked_checks import conflict
from ..machine import CALLBACK_SOURCES, REOPEN_WINDOW, Refused, State
from ..models import Transition
from .intake import close, summons_answered


def dispatch(event, category, data, now, ctx):
    unit = db.session.get(OrgUnit, data["handler_unit_id"])
    compound_ok = event.source == "PROPERTY" and unit is not None and unit.kind == "compound"  # back to its company
    if unit is None or (unit.kind not in ("grid", "community", "street") and not compound_ok):
        raise Refused(_("请选择本单位的网格、社区或街道作为处置单位"))
    event.handler_unit_id = unit.id
    if event.case_deadline is None:
        set_case_deadline(event, category, now)
    set_stage(event, "sign", category)
    return State.DISPATCHED


def sign(event, category, data, now, ctx):
    handler_in_scope(event, ctx)
    start_handling(event)  # the handler's own deadline (处置时限), not the whole case's
    return State.IN_PROGRESS


def return_(event, category, data, now, ctx):
    handler_in_scope(event, ctx)
    set_stage(event, "dispatch", category)
    return State.RETURN_REQUESTED


def redispatch(event, category, data, now, ctx):
    event.return_n += 1
    if event.return_n >= 2:  # T14 / E6: ping-pong goes up a level, which decides responsibility
        raise_level(event, "E6", now)
        set_stage(event, "dispatch", category)
        return State.REGISTERED, "T14"
    if data.get("dispatch_error"):
        set_case_deadline(event, category, now)
    return dispatch(event, category, data, now, ctx), "T12"


def refuse_return(event, category, data, now, ctx):
    start_handling(event)
    return State.IN_PROGRESS


def extend(event, category, data, now, ctx):
    """T15 approved: the deadline moves by the approved days. A handler's request made before the
    deadline may be approved after it: the request, not the approval, had to be in time."""
    if event.extension_n >= 2:
        raise Refused(_("已延期两次，不能再延期"))
    asked = event.extension_requested_at
    if asked is None and event.stage_deadline is not None and clock.aware(now) > clock.aware(event.stage_deadline):
        raise Refused(_("延期须在期限届满前申请"))
    if asked is not None:
        data["requested_at"] = clock.local(asked).strftime("%Y-%m-%d %H:%M")
        event.extension_requested_at, event.extension_request_days = None, None
    days = int(data["days"])
    cal = calendar()
    extended = cal.add(event.case_deadline, days, "working_day")
    handle = cal.add(event.stage_deadline or event.handle_deadline or event.case_deadline, days, "working_day")
    event.case_deadline, event.stage_deadline = extended.due, handle.due
    event.handle_deadline = handle.due if event.handle_deadline is not None else None
    event.deadline_explain = {**(event.deadline_explain or {}), "case": {
        **extended.as_json(), "text": f"延期 {extended.explain()}（第 {event.extension_n + 1} 次延期）"},
        "handle": {**handle.as_json(), "text": f"延期 {handle.explain()}"}}
    event.extension_n += 1
    return State.IN_PROGRESS, "T15"


def suspend(event, category, data, now, ctx):
    if event.case_deadline is not None and clock.aware(now) > clock.aware(event.case_deadline):
        raise Refused(_("已超期的事件不能挂账：挂账须在结案时限前批准"))
    if event.case_deadline is not None:
        event.suspended_remaining_s = int((clock.aware(event.case_deadline) - clock.aware(now)).total_seconds())
    if event.stage_deadline is not None:  # the handler's own remaining time pauses too
        stage_left = int((clock.aware(event.stage_deadline) - clock.aware(now)).total_seconds())
        event.deadline_explain = {**(event.deadline_explain or {}), "_paused": {"handle_s": stage_left}}
    event.stage, event.stage_deadline = "suspended", None
    return State.SUSPENDED


def resume(event, category, data, now, ctx):
    remaining = max(event.suspended_remaining_s or 0, 0)
    floor = calendar().add(now, 1, "working_day")
    event.case_deadline = max(clock.aware(now) + timedelta(seconds=remaining), floor.due)
    text = f"挂账恢复：恢复剩余时间，至少 1 个工作日（{floor.explain()}）"
    paused = (event.deadline_explain or {}).get("_paused") or {}
    handle_left = paused.get("handle_s", remaining)
    event.handle_deadline = min(max(clock.aware(now) + timedelta(seconds=max(handle_left, 0)), floor.due),
                                clock.aware(event.case_deadline))
    explain = {k: v for k, v in (event.deadline_explain or {}).items() if k != "_paused"}
    event.deadline_explain = {**explain, "case": {"text": text}, "handle": {"text": text}}
    event.stage, event.stage_deadline, event.suspended_remaining_s = "handle", event.handle_deadline, None
    event.stage_started_at = clock.aware(now)
    return State.IN_PROGRESS


def handler_in_scope(event, ctx) -> None:
    """Only the handling unit (or someone above it) signs for, returns or hands in the work."""
    if event.handler_unit_id is None:
        return
    unit = db.session.get(OrgUnit, event.handler_unit_id)
    if not ctx.can("grid.event.handle", unit.path):
        raise Refused(_("只有处置单位的人员可以办理这一步"))


def submit_result(event, category, data, now, ctx):
    handler_in_scope(event, ctx)
    summons_answered(event)
    event.result, event.closure_type, event.handled_by = data["result"], data["closure_type"], ctx.user_id
    event.checker_id = authority.assign_checker(event)  # from outside the handling unit (§3 invariant 2)
    set_stage(event, "check", category)
    return State.AWAITING_CHECK


def _independent(event, ctx) -> None:
    if event.handled_by is not None and event.handled_by == ctx.user_id:
        raise Refused(_("核查须由处置人以外的人员进行"))
    why = conflict(event, ctx.user_id)
    if why is not None:
        raise Refused(why)


def check_fail(event, category, data, now, ctx):
    _independent(event, ctx)
    event.check_n += 1
    event.rework_n += 1
    rework = calendar().add(now, *stage_limit(event, "handle", category)).due
    event.stage, event.stage_deadline = "handle", max(rework, clock.aware(event.case_deadline or rework))
    event.stage_started_at = clock.aware(now)
    emit(ev.CheckResult(event_id=event.id, passed=False, reason=data.get("reason") or ""))
    if event.rework_n >= 3 and event.level < 2:  # E5: three failed checks go up a level
        raise_level(event, "E5", now)
    return State.IN_PROGRESS


def check_pass(event, category, data, now, ctx):
    _independent(event, ctx)
    event.check_n += 1
    emit(ev.CheckResult(event_id=event.id, passed=True))
    if event.source in CALLBACK_SOURCES and event.reporter_phone:
        set_stage(event, "callback", category)
        return State.AWAITING_CALLBACK, "T20"
    close(event, event.closure_type or "RESOLVED", now)
    return State.CLOSED, "T21"


def callback_attempt(event, category, data, now, ctx):
    """A call that did not get through; three of them over two working days allow "unreachable"."""
    return State.AWAITING_CALLBACK, "CB"


def _attempts(event) -> list:
    return list(db.session.scalars(select(Transition.at).where(Transition.event_id == event.id,
                                                               Transition.action == "callback_attempt")
                                   .order_by(Transition.at)))


def callback(event, category, data, now, ctx):
    result = data["callback_result"]
    if result == "unreachable":
        attempts = [clock.aware(a) for a in _attempts(event)]
        spread = len(attempts) >= 3 and calendar().add(attempts[0], 2, "working_day").due <= clock.aware(now)
        if not spread:
            raise Refused(_("须在至少 2 个工作日内回访 3 次未接通，才能记为无法联系（已回访 %(n)s 次）", n=len(attempts)))
    event.callback_result = result
    if result == "unsatisfied":
        event.stage, event.stage_deadline, event.stage_started_at = "handle", event.case_deadline, clock.aware(now)
        return State.IN_PROGRESS, "T23"
    close(event, event.closure_type or "RESOLVED", now)
    return State.CLOSED, "T22"


def reopen(event, category, data, now, ctx):
    if event.closed_at is None or clock.aware(now) - clock.aware(event.closed_at) > REOPEN_WINDOW:
        raise Refused(_("已超过 15 天的重新办理期限"))
    event.reopen_n += 1
    event.closed_at, event.closure_type, event.result, event.callback_result = None, None, None, None
    set_stage(event, "handle", category)
    return State.IN_PROGRESS


def raise_level(event, rule: str, now) -> None:
    if event.level >= 2:
        raise Refused(_("已在街道层级，不能再上报"))
    event.level += 1
    event.max_level = max(event.max_level, event.level)
    emit(ev.EventEscalated(event_id=event.id, level=event.level, rule=rule))


def declare_incident(event, category, data, now, ctx):
    """One case with many demands: reports of this category in this grid join it until it ends."""
    event.incident_until = clock.aware(now) + timedelta(hours=int(data["hours"]))
    return event.state


def escalate(event, category, data, now, ctx):
    raise_level(event, "E8", now)
    return event.state


def cancel(event, category, data, now, ctx):
    if event.handler_unit_id is not None and not api.can("grid.event.void", authority.event_unit(event)):
        raise Refused(_("已派遣的事件须经上级批准才能撤销"))
    event.stage, event.stage_deadline = "closed", None
    return State.CANCELLED
