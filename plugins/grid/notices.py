"""Work reaches people at once: each step of an event puts an item in the inbox of whoever must act
next, in the same transaction as the step (no job has to run first). The actor is never told of
their own step. Titles name the event by its 受理编号 and title; links open the event page."""
from __future__ import annotations

from datetime import date, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import OrgUnit, ResidentUnit, clock, current_or_none, db

from .models import Duty, GridEvent
from .tracking import reporters_to_tell

#: the day shift (白班), first duty period start to last end (docs/grid.md §2); the rest is 夜班
DAY_SHIFT = (time(8, 30), time(17, 30))


def _street_path() -> str:
    return db.session.scalar(select(OrgUnit.path).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))


def _event_path(event: GridEvent) -> str:
    """Where the event lives: its grid; with none, the community it was reported from, else the street."""
    unit = api.org_unit(event.grid_id if event.grid_id is not None else event.community_id)
    return unit.path if unit is not None else _street_path()


def above(event: GridEvent, permission: str) -> set[int]:
    """Holders of ``permission`` on the event's grid or above it (intake, dispatch, callback)."""
    return api.users_holding(permission, _event_path(event))


def unit_staff(unit_id: int | None, permission: str) -> set[int]:
    """The unit's own staff holding ``permission``; for the street itself, those granted on the street
    (not every grid worker below it)."""
    unit = api.org_unit(unit_id)
    if unit is None:
        return set()
    return api.users_holding(permission, unit, inside=unit.parent_id is not None)


def checkers(event: GridEvent) -> set[int]:
    """Who checks the work: the grid's own checkers, else the community's, else those above; never the
    person who did the work."""
    grid = api.org_unit(event.grid_id)
    found: set[int] = set()
    while grid is not None and not found:
        found = api.users_holding("grid.event.check", grid, inside=grid.parent_id is not None) - {event.handled_by}
        grid = api.org_unit(grid.parent_id)
    return found or above(event, "grid.event.check") - {event.handled_by}


def handlers(event: GridEvent) -> set[int]:
    """Who carries the work on: the person who handled it, else the handling unit's staff."""
    if event.handled_by is not None:
        return {event.handled_by}
    return unit_staff(event.handler_unit_id, "grid.event.handle")


def send(users: set[int], title: str, event: GridEvent, body: str | None = None) -> int:
    """One item per user except the one acting now, linking to the event page."""
    ctx = current_or_none()
    users = set(users) - {ctx.user_id if ctx is not None else None}
    if not users:
        return 0
    return api.notify(users, _("%(what)s：%(r)s %(t)s", what=title, r=event.ref_no, t=event.title), "grid.event",
                      body=body, source="grid", event_id=event.id)


def reported(event: GridEvent) -> int:
    """A new event waits at intake: the clerks and coordinators who may accept it; a CRITICAL one also
    alerts whoever is on duty now (§4 rule 9: 24-hour intake has a name behind it)."""
    if event.state != "SUBMITTED":  # folded into a running mass incident: nothing new to accept
        return 0
    sent = send(above(event, "grid.event.accept"), _("新事件待受理"), event)
    if event.urgency == "CRITICAL":
        sent += send(on_duty(event), _("特急事件，请值班人员立即处理"), event)
    return sent


def current_shift(now=None) -> tuple[date, str]:
    """The roster's shift running now, Beijing time: 白班 08:30–17:30, else the 夜班 that began at
    17:30 (after midnight, the night shift of the day before)."""
    local = (now or clock.utcnow()).astimezone(clock.SHANGHAI)
    if DAY_SHIFT[0] <= local.time() < DAY_SHIFT[1]:
        return local.date(), "day"
    return (local.date(), "night") if local.time() >= DAY_SHIFT[1] else (local.date() - timedelta(days=1), "night")


def on_duty(event: GridEvent, now=None) -> set[int]:
    """Accounts on the roster for the current shift of the event's community and of the street."""
    day, shift = current_shift(now)
    grid = api.org_unit(event.grid_id)
    units = {grid.parent_id} if grid is not None and grid.parent_id is not None else {event.community_id} - {None}
    units.add(db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1)))
    return set(db.session.scalars(select(Duty.account_id).where(
        Duty.org_unit_id.in_(units), Duty.duty_date == day, Duty.shift == shift, Duty.account_id.is_not(None))))


def after_action(event: GridEvent, name: str, before: str, to: str, data: dict) -> int:
    """After ``name`` moved the event from ``before`` to ``to``: tell whoever must act next."""
    reason = data.get("reason") or None
    if to == "CLOSED" and before != "CLOSED":
        return closed_for_residents(event)
    if to == "VERIFYING":
        return send(unit_staff(event.grid_id, "grid.event.verify") or above(event, "grid.event.verify"),
                    _("事件待核实"), event)
    if to == "REGISTERED" and before != "REGISTERED":
        return send(above(event, "grid.event.dispatch"), _("事件待派遣"), event)
    if to == "DISPATCHED":
        return send(unit_staff(event.handler_unit_id, "grid.event.handle"), _("事件已派遣，请签收"), event)
    if to == "RETURN_REQUESTED":
        return send(above(event, "grid.event.dispatch"), _("事件被退回，请改派"), event, reason)
    if to == "AWAITING_CHECK":
        return send({event.checker_id} if event.checker_id is not None else checkers(event), _("事件待核查"), event)
    if to == "AWAITING_CALLBACK":
        return send(above(event, "grid.event.callback"), _("事件待回访"), event)
    if to == "IN_PROGRESS" and name in BACK_TO_WORK:
        return send(handlers(event), BACK_TO_WORK[name](), event, reason)
    return 0


#: steps that send the work back to whoever handles it, with what the item says
BACK_TO_WORK = {
    "refuse_return": lambda: _("退回未获同意，请继续处置"),
    "check_fail": lambda: _("核查不通过，请返工"),
    "callback": lambda: _("回访不满意，请重新处置"),
    "reopen": lambda: _("事件重新办理"),
    "resume": lambda: _("挂账恢复，请继续处置"),
}


def summoned(event: GridEvent, rows: list) -> int:
    """Each summoned unit's own staff (when they have accounts) are told to report (报到) in time;
    outside departments are reached by phone, as before."""
    sent = 0
    for row in rows:
        unit_id = row.unit_id
        if unit_id is None and row.resident_unit_id is not None:
            resident = db.session.get(ResidentUnit, row.resident_unit_id)
            unit_id = resident.org_unit_id if resident is not None else None
        if unit_id is None:
            continue
        due = api.clock.local(row.sign_due).strftime("%Y-%m-%d %H:%M")
        sent += send(unit_staff(unit_id, "grid.event.handle"), _("吹哨报到"), event,
                     _("请于 %(d)s 前报到", d=due))
    return sent


def closed_for_residents(event: GridEvent) -> int:
    """The case is closed: residents who reported it, or a report merged into it, are told (their item
    opens the progress page, where the number and phone digits show how it ended)."""
    users = reporters_to_tell(event)
    if not users:
        return 0
    return api.notify(users, _("您反映的问题已办结：%(r)s %(t)s", r=event.ref_no, t=event.title), "grid.track",
                      source="grid", ref_no=event.ref_no)
