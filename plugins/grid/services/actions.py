"""Apply one state-machine action: the guard, the effect from ``EFFECTS``, the timeline row, the events."""
from __future__ import annotations


from core import api
from core.api import clock, current, db, emit

from .. import authority, notices
from .. import events as ev
from ..machine import ACTIONS, Refused, State
from ..models import Category, GridEvent
from ..rows import log_transition
from . import changes, handling, intake

#: What each action of ``machine.ACTIONS`` does to the locked event, by action name: an effect takes
#: ``(event, category, data, now, ctx)``, may raise ``Refused`` having changed nothing, and returns the new
#: state, or ``(state, code)`` when the timeline code differs from the action's own. A test checks that
#: every action has exactly one effect.
EFFECTS = {
    "accept": intake.accept, "register": intake.register, "answer": intake.answer,
    "self_handle": intake.self_handle, "reject": intake.reject, "merge": intake.merge, "unmerge": intake.unmerge,
    "verify": intake.verify, "recheck_pass": intake.recheck_pass, "recheck_fail": intake.recheck_fail,
    "dispatch": handling.dispatch, "sign": handling.sign, "return": handling.return_,
    "redispatch": handling.redispatch, "refuse_return": handling.refuse_return, "extend": handling.extend,
    "suspend": handling.suspend, "resume": handling.resume, "submit_result": handling.submit_result,
    "check_fail": handling.check_fail, "check_pass": handling.check_pass,
    "callback_attempt": handling.callback_attempt, "callback": handling.callback, "reopen": handling.reopen,
    "escalate": handling.escalate, "declare_incident": handling.declare_incident, "cancel": handling.cancel,
    "recategorise": changes.recategorise, "request_extension": changes.request_extension,
    "refuse_extension": changes.refuse_extension,
}


def perform(event: GridEvent, name: str, data: dict) -> GridEvent:
    """Apply one action to a locked event; :raises Refused: with the reason, having changed nothing;
    :raises authority.NotPermitted: when the user holds the permission nowhere above the event's unit."""
    ctx = current()
    action = ACTIONS[name]
    authority.require(event, name)  # on the locked row: a re-dispatch may just have moved the handler
    why = authority.refusal(event, name)  # the same question the page asked before offering the button
    if why is not None:
        raise Refused(why)
    category = db.session.get(Category, event.category_id)
    now = clock.utcnow()
    before, level = event.state, event.level
    reason = data.get("reason")
    code = action.code
    to = EFFECTS[name](event, category, data, now, ctx)
    if isinstance(to, tuple):
        to, code = to
    event.state = to
    event.version += 1
    log_transition(event, code, name, before, to, ctx.user_id, reason,
         {k: v for k, v in data.items() if k not in ("reason", "version") and v not in (None, "")})
    changes.log_level_change(event, name, level, ctx.user_id)  # E5, E6, E1: a step of their own (§5)
    db.session.flush()
    notices.after_action(event, name, before, to, data)
    emit(ev.EventStateChanged(event_id=event.id, from_state=before, to_state=to, action=name))
    if to == State.CLOSED and before != "CLOSED":  # a sample re-check that passes closes nothing anew
        emit(ev.EventClosed(event_id=event.id, closure_type=event.closure_type or "", bucket=category.bucket,
                            source=event.source, assistants=data.get("assistants") or [],
                            case_no=api.case_number("grid.event", event.id) or ""))
    return event


def available_actions(event: GridEvent) -> list:
    """The actions offered to this user on this event: exactly those the POST would accept."""
    return [a for a in ACTIONS.values() if authority.offered(event, a.name)]
