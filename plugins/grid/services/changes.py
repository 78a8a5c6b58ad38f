"""Effects that change an event's terms while it runs: re-categorisation (§3 invariant 6), the handler's
extension request and its refusal (T15), and the timeline step for every level change (§5)."""
from __future__ import annotations

from flask_babel import gettext as _

from core.api import clock, db, emit

from .. import events as ev
from ..deadlines import calendar, stage_limit
from ..machine import Refused
from ..models import Category
from ..rows import log_transition
from .handling import handler_in_scope

#: level changes that come with another action (the rule that fired); manual 上报 (E8) is its own step
LEVEL_RULES = {"check_fail": "E5", "redispatch": "E6", "recategorise": "E1"}


def level_reason(rule: str) -> str:
    return {"E5": _("核查三次不通过，上报上一级（E5）"), "E6": _("两次退回，上报上一级定责（E6）"),
            "E1": _("更正后的类别起始层级更高（E1）")}.get(rule, rule)


def log_level_change(event, name: str, before: int, actor_id) -> None:
    """§5: a level change that came with action ``name`` gets its own step on the timeline."""
    if event.level == before or name == "escalate":
        return
    rule = LEVEL_RULES.get(name, name)
    log_transition(event, "T26", "escalate", event.state, event.state, actor_id, level_reason(rule),
                   {"rule": rule, "from_level": before, "level": event.level})


def recategorise(event, category, data, now, ctx):
    """Correct the category. Invariant 6: the case deadline becomes min(old, change time + the new
    category's limit), never later; a higher category floor raises the level (E1)."""
    new = db.session.get(Category, data["category_id"])
    if new is None or not new.active:
        raise Refused(_("请选择有效的类别"))
    if new.id == event.category_id:
        raise Refused(_("类别没有变化"))
    data["from_category"], data["to_category"] = category.name, new.name
    event.category_id = new.id
    cal = calendar()
    handled = cal.add(now, *stage_limit(event, "handle", new, at_dispatch=False))
    case = cal.add(handled.due, *stage_limit(event, "check", new, at_dispatch=False))
    text = f"更正类别为“{new.name}”：处置 {handled.explain()}；核查 {case.explain()}（取原时限与新时限中较早者）"
    if event.case_deadline is not None and case.due < clock.aware(event.case_deadline):
        event.case_deadline = case.due
        event.deadline_explain = {**(event.deadline_explain or {}), "case": {**case.as_json(), "text": text}}
        data["case_deadline"] = clock.local(case.due).strftime("%Y-%m-%d %H:%M")
    # while handling, the handler's own deadline (处置时限) takes the earlier of the two the same way
    if event.stage == "handle" and event.stage_deadline is not None \
            and handled.due < clock.aware(event.stage_deadline):
        event.stage_deadline = handled.due
        if event.handle_deadline is not None:
            event.handle_deadline = handled.due
        event.deadline_explain = {**(event.deadline_explain or {}), "handle": {**handled.as_json(), "text": text}}
    if new.default_level > event.level:
        event.level = new.default_level
        event.max_level = max(event.max_level, event.level)
        emit(ev.EventEscalated(event_id=event.id, level=event.level, rule="E1"))
    return event.state, "CAT"


def request_extension(event, category, data, now, ctx):
    """T15, the handler's half: asked before the deadline, it may be approved after it."""
    handler_in_scope(event, ctx)
    if event.extension_n >= 2:
        raise Refused(_("已延期两次，不能再延期"))
    if event.extension_requested_at is not None:
        raise Refused(_("已有延期申请等待批准"))
    if event.stage_deadline is not None and clock.aware(now) > clock.aware(event.stage_deadline):
        raise Refused(_("延期须在期限届满前申请"))
    event.extension_requested_at, event.extension_request_days = now, int(data["days"])
    return event.state, "T15R"


def refuse_extension(event, category, data, now, ctx):
    """The approver says no: the request ends, the deadline stands."""
    if event.extension_requested_at is None:
        raise Refused(_("没有等待批准的延期申请"))
    event.extension_requested_at, event.extension_request_days = None, None
    return event.state, "T15X"
