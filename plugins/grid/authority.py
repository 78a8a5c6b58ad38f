"""Who may act on an event: the action's permission, granted on the event's own unit or above it.

A permission held somewhere else in the street does not count: a grid leader of one grid who is
also an intake clerk at the community may not pass the check of another grid's event. Which unit
each action is checked against is the table next to ``ACTIONS`` (machine.ACTING_UNIT).

The check of the handler's work (T19, T20) is independent (docs/grid.md §3 invariant 2): whoever works
in the handling unit or below it may not pass or fail it, whatever else they hold; a checker from
outside is assigned when the result comes in (T18).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import api
from core.api import OrgUnit, clock, current, current_or_none, db

from .linked_checks import conflict, excluded_checkers
from .machine import ACTING_UNIT, ACTIONS, CALLBACK_SOURCES, REOPEN_WINDOW, TERMINAL
from .models import Category, GridEvent
from .summons import unanswered_mandatory


#: the checks of the handler's work: never by the handling unit's own people (§3 invariant 2)
CHECK_ACTIONS = frozenset(("check_pass", "check_fail"))
CHECK = "grid.event.check"
#: a grant carrying this makes its holder staff of the unit it is granted on (every staff role has it)
STAFF_MARK = "grid.view"


class NotPermitted(PermissionError):
    """The user holds no grant carrying the action's permission on the unit it is checked against
    (the message, when there is one, says why in words the user reads)."""


def street_root_id() -> int | None:
    """The street's root unit: where an event with no grid is seen from."""
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))


def event_unit(event: GridEvent) -> OrgUnit | None:
    """The event's own unit: its grid; with none, the community it was reported from (未定位), else the
    street root."""
    return api.org_unit(event.grid_id if event.grid_id is not None else event.community_id or street_root_id())


def handling_unit(event: GridEvent) -> OrgUnit | None:
    """The unit the event was dispatched to; the event's own unit while it has not been dispatched."""
    if event.handler_unit_id is not None:
        unit = api.org_unit(event.handler_unit_id)
        if unit is not None:
            return unit
    return event_unit(event)


def unit_for(event: GridEvent, name: str) -> OrgUnit | None:
    """The unit on which ``name``'s permission must be granted for this event."""
    return handling_unit(event) if ACTING_UNIT[name] == "handling" else event_unit(event)


def may(event: GridEvent, name: str) -> bool:
    """Whether the current user may take action ``name`` on this event (whatever its state)."""
    action = ACTIONS.get(name)
    if action is None or not api.has(action.permission):  # cheap answer first: no grant anywhere
        return False
    unit = unit_for(event, name)
    if unit is None or not api.can(action.permission, unit):
        return False
    return name not in CHECK_ACTIONS or not works_in_handling_unit(event)


def why_not(event: GridEvent, name: str) -> str:
    """Why ``may`` said no, when the answer is one a user should read (the independent check);
    an empty string for a plain lack of permission."""
    action = ACTIONS.get(name)
    unit = unit_for(event, name) if action is not None else None
    if (name in CHECK_ACTIONS and unit is not None and api.can(action.permission, unit)
            and works_in_handling_unit(event)):
        return _("核查须由处置单位以外的人员进行：您在处置单位（%(u)s）任职", u=handling_unit(event).name)
    return ""


def require(event: GridEvent, name: str) -> None:
    """:raises NotPermitted: unless the user may take ``name`` on this event."""
    if not may(event, name):
        raise NotPermitted(why_not(event, name))


def _independence_unit(event: GridEvent) -> OrgUnit | None:
    """The unit whose people may not check the event: the handling unit, unless the street itself
    handles it (nobody in the street is outside it; then only the handler is kept from checking)."""
    unit = handling_unit(event)
    return None if unit is None or unit.parent_id is None else unit


def works_in_handling_unit(event: GridEvent) -> bool:
    """Whether the current user holds a staff grant on the handling unit or anywhere below it."""
    unit = _independence_unit(event)
    ctx = current_or_none()
    if unit is None or ctx is None:
        return False
    return any(g.unit_path.startswith(unit.path) and STAFF_MARK in g.permissions for g in ctx.grants)


def assign_checker(event: GridEvent) -> int | None:
    """T18: the checker for the work just handed in. Someone who may check this event and works
    neither in the handling unit (nor below it) nor did the work: the event's grid's own checkers, else
    its community's, else the street's; among them the one with the fewest checks waiting, then the
    longest-standing account. None when the street has nobody outside the handling unit."""
    own = _independence_unit(event)
    excluded = ({event.handled_by} if event.handled_by is not None else set()) | (
        api.users_holding(STAFF_MARK, own, inside=True) if own is not None else set()) | excluded_checkers(event)
    unit = event_unit(event)
    able = api.users_holding(CHECK, unit) - excluded if unit is not None else set()
    while unit is not None and able:
        here = able & api.users_holding(CHECK, unit, inside=unit.parent_id is not None)
        if here:
            waiting = dict(db.session.execute(
                select(GridEvent.checker_id, func.count()).where(GridEvent.state == "AWAITING_CHECK",
                                                                 GridEvent.checker_id.in_(here),
                                                                 GridEvent.id != event.id)
                .group_by(GridEvent.checker_id)).all())
            return min(here, key=lambda user_id: (waiting.get(user_id, 0), user_id))
        unit = api.org_unit(unit.parent_id)
    return None


def offered(event: GridEvent, name: str) -> bool:
    """Whether the event page offers ``name`` to the current user: exactly when posting it would be
    accepted, whatever is then typed into its form (``may`` and no ``refusal``). An action the state
    does not allow is left out first, without putting its refusal into words."""
    return event.state in ACTIONS[name].sources and may(event, name) and refusal(event, name) is None


def refusal(event: GridEvent, name: str) -> str | None:
    """Why ``name`` cannot be taken on this event now by the current user, judged from the event alone
    (before any form is filled in); None when it can. The POST asks this first, the page offers only the
    actions without one, so no button is offered that would be refused."""
    action = ACTIONS[name]
    if event.state not in action.sources:
        return _("当前状态不能执行“%(a)s”", a=action.label)
    guard = GUARDS.get(name)
    return guard(event, current().user_id) if guard is not None else None


def _category(event: GridEvent) -> Category:
    return db.session.get(Category, event.category_id)


def _summons_open(event: GridEvent) -> str | None:
    """A case cannot close while a mandatory summons (吹哨) is unanswered (only L1/L2 summon, so
    an event never raised has none to look up)."""
    waiting = unanswered_mandatory(event.id) if event.max_level >= 1 else []
    return _("%(u)s 是必须到场的吹哨单位，尚未反馈，不能办结", u="、".join(waiting)) if waiting else None


def _answer(event, user_id):
    if _category(event).profile != "CONSULTATION":
        return _("只有政策咨询类事项可以当场答复")
    return _summons_open(event)


def _self_handle(event, user_id):
    if not _category(event).self_handle_allowed or event.level != 0:
        return _("该类别不允许网格员现场办结")
    return _summons_open(event)


def _recheck(event, user_id):
    if event.recheck != "due":
        return _("这件事没有被抽中复核")
    if event.handled_by == user_id:
        return _("复核须由办结人以外的人进行")
    return None


def _unmerge(event, user_id):
    master = db.session.get(GridEvent, event.master_id) if event.master_id is not None else None
    return _("主事件已办结，不能撤销合并") if master is None or master.state in TERMINAL else None


def _independent(event, user_id):
    if event.handled_by is not None and event.handled_by == user_id:
        return _("核查须由处置人以外的人员进行")
    return conflict(event, user_id)


def _check_pass(event, user_id):
    closes = not (event.source in CALLBACK_SOURCES and event.reporter_phone)  # else the callback comes first
    return _independent(event, user_id) or (_summons_open(event) if closes else None)


def _past_stage_deadline(event) -> bool:
    return event.stage_deadline is not None and clock.aware(clock.utcnow()) > clock.aware(event.stage_deadline)


def _extend(event, user_id):
    """T15: a request made in time may be approved after the deadline; without one, only before it."""
    if event.extension_n >= 2:
        return _("已延期两次，不能再延期")
    if event.extension_requested_at is None and _past_stage_deadline(event):
        return _("延期须在期限届满前申请")
    return None


def _request_extension(event, user_id):
    if event.extension_n >= 2:
        return _("已延期两次，不能再延期")
    if event.extension_requested_at is not None:
        return _("已有延期申请等待批准")
    return _("延期须在期限届满前申请") if _past_stage_deadline(event) else None


def _refuse_extension(event, user_id):
    return _("没有等待批准的延期申请") if event.extension_requested_at is None else None


def _suspend(event, user_id):
    if event.case_deadline is not None and clock.aware(clock.utcnow()) > clock.aware(event.case_deadline):
        return _("已超期的事件不能挂账：挂账须在结案时限前批准")
    return None


def _reopen(event, user_id):
    if event.closed_at is None or clock.aware(clock.utcnow()) - clock.aware(event.closed_at) > REOPEN_WINDOW:
        return _("已超过 15 天的重新办理期限")
    return None


def _top_level(event, user_id):
    return _("已在街道层级，不能再上报") if event.level >= 2 else None


def _redispatch(event, user_id):
    return _top_level(event, user_id) if event.return_n + 1 >= 2 else None  # a second return goes up a level


def _declare_incident(event, user_id):
    return _("已设为群体性事件") if event.incident_until is not None else None


def _submit_result(event, user_id):
    return _summons_open(event)


#: the event-level guards of the actions that have one, by action name (each effect may still refuse on
#: what the form says: a master that does not exist, an unreachable callback too soon)
GUARDS = {
    "answer": _answer, "self_handle": _self_handle, "recheck_pass": _recheck, "recheck_fail": _recheck,
    "unmerge": _unmerge, "check_fail": _independent, "check_pass": _check_pass, "extend": _extend,
    "request_extension": _request_extension, "refuse_extension": _refuse_extension, "suspend": _suspend, "reopen": _reopen, "escalate": _top_level, "redispatch": _redispatch,
    "declare_incident": _declare_incident, "submit_result": _submit_result,
}


def grid_staff(grid_id: int, permission: str) -> set[int]:
    """Users holding ``permission`` through a grant on the grid itself (or a unit inside it): its staff,
    not everyone above."""
    grid = api.org_unit(grid_id)
    return set() if grid is None else api.users_holding(permission, grid, inside=True)

