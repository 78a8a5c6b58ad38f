"""Effects of the intake actions (T2–T8, merges, on-the-spot closure and its sample re-check)."""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import clock, db, lock_for_update

from .. import authority
from ..authority import grid_staff
from ..deadlines import set_stage
from ..machine import TERMINAL, Refused, State
from ..models import GridEvent, Transition
from ..rows import log_transition
from ..summons import unanswered_mandatory
from .reporting import distance



def close(event, closure_type, now) -> None:
    summons_answered(event)
    event.closed_at, event.closure_type = now, closure_type
    if event.case_deadline is not None and event.case_on_time is None:
        event.case_on_time = clock.aware(now) <= clock.aware(event.case_deadline)  # frozen at closure
    event.stage, event.stage_deadline = "closed", None


def accept(event, category, data, now, ctx):
    set_stage(event, "verify", category)
    return State.VERIFYING


def register(event, category, data, now, ctx):
    set_stage(event, "dispatch", category)
    return State.REGISTERED


def verify(event, category, data, now, ctx):
    set_stage(event, "dispatch", category)
    return State.REGISTERED, "T8"


def answer(event, category, data, now, ctx):
    if category.profile != "CONSULTATION":
        raise Refused(_("只有政策咨询类事项可以当场答复"))
    event.result = data["answer"]
    close(event, "CONSULT_ANSWERED", now)
    return State.CLOSED


def self_handle(event, category, data, now, ctx):
    if not category.self_handle_allowed or event.level != 0:
        raise Refused(_("该类别不允许网格员现场办结"))
    event.result, event.handled_by = data["result"], ctx.user_id
    close(event, "RESOLVED_ON_SPOT", now)
    if secrets.randbelow(100) < sample_pct():  # the grid leader re-checks a sample of on-the-spot closures
        event.recheck = "due"
        _ask_for_recheck(event)
    return State.CLOSED


def sample_pct() -> int:
    """The street's share of self-handled closures drawn for re-check (docs/grid.md §11, default 10%)."""
    return int(api.settings("grid").get("self_handle_sample_pct", 10))


def _ask_for_recheck(event) -> None:
    """Tell the grid's checkers (its leader) that this closure was drawn for re-check."""
    if event.grid_id is None:
        return
    checkers = grid_staff(event.grid_id, "grid.event.check") - {event.handled_by}
    if not checkers:  # a grid without its own leader: the community's checkers re-check
        grid = api.org_unit(event.grid_id)
        if grid is not None and grid.parent_id is not None:
            checkers = grid_staff(grid.parent_id, "grid.event.check") - {event.handled_by}
    api.notify(checkers, _("抽查复核：%(r)s %(t)s（现场办结）", r=event.ref_no, t=event.title), "grid.event",
               source="grid", event_id=event.id)


def _recheck(event, ctx) -> None:
    if event.recheck != "due":
        raise Refused(_("这件事没有被抽中复核"))
    if event.handled_by == ctx.user_id:
        raise Refused(_("复核须由办结人以外的人进行"))


def recheck_pass(event, category, data, now, ctx):
    _recheck(event, ctx)
    event.recheck = "passed"
    return State.CLOSED


def recheck_fail(event, category, data, now, ctx):
    """A failed sample reopens the case (T24) and counts as rework."""
    _recheck(event, ctx)
    if event.handled_by is not None:  # whoever closed it on the spot hears that it came back
        api.notify([event.handled_by], _("抽查复核不通过，已返工：%(r)s %(t)s", r=event.ref_no, t=event.title),
                   "grid.event", source="grid", event_id=event.id)
    event.recheck = "failed"
    event.rework_n += 1
    event.reopen_n += 1
    event.closed_at, event.closure_type, event.case_on_time = None, None, None
    set_stage(event, "handle", category)
    return State.IN_PROGRESS


def reject(event, category, data, now, ctx):
    event.closure_type = None
    event.closed_at = now
    return State.REJECTED


def merge(event, category, data, now, ctx):
    master = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.ref_no == data["master_ref"]))).first()
    if master is None or master.id == event.id or not authority.may(master, "merge"):
        raise Refused(_("主事件不存在"))  # one outside the user's units is not named either
    if master.state in TERMINAL:
        raise Refused(_("主事件已办结，不能合并"))
    if master.category_id != event.category_id:
        raise Refused(_("只能合并到同一类别的事件"))
    apart = distance(event, master)
    if apart is not None and apart > category.dup_radius_m and master.incident_until is None:
        raise Refused(_("主事件相距约 %(d)s 米，超出该类别的重复判定范围（%(r)s 米）", d=round(apart),
                        r=category.dup_radius_m))
    master.demand_n += event.demand_n
    master.version += 1
    log_transition(master, "T7M", "merged_in", master.state, master.state, ctx.user_id, data.get("reason"),
         {"ref_no": event.ref_no, "demand_n": master.demand_n})
    event.master_id = master.id
    return State.MERGED


#: the stage whose clock runs again when a merge is undone, by the state the event was merged from
STAGE_OF = {State.SUBMITTED: "accept", State.VERIFYING: "verify", State.REGISTERED: "dispatch"}


def unmerge(event, category, data, now, ctx):
    """Undo a merge while the master is still open (docs/grid.md §9): the event is its own case again,
    back in the state it was merged from, and the master loses its demand; both timelines say so."""
    master = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.id == event.master_id))).first()
    if master is None or master.state in TERMINAL:
        raise Refused(_("主事件已办结，不能撤销合并"))
    merged = db.session.scalars(select(Transition).where(Transition.event_id == event.id, Transition.code == "T7")
                                .order_by(Transition.id.desc()).limit(1)).first()
    back = merged.from_state if merged is not None and merged.from_state in STAGE_OF else State.SUBMITTED
    master.demand_n = max(1, master.demand_n - event.demand_n)
    master.version += 1
    log_transition(master, "T7U", "unmerge", master.state, master.state, ctx.user_id, data.get("reason"),
         {"ref_no": event.ref_no})
    event.master_id, event.closed_at = None, None
    set_stage(event, STAGE_OF[back], category)
    return back


def summons_answered(event) -> None:
    """A mandatory summons (吹哨) must be answered before the work is handed in or the event closed."""
    waiting = unanswered_mandatory(event.id)
    if waiting:
        raise Refused(_("%(u)s 是必须到场的吹哨单位，尚未反馈，不能办结", u="、".join(waiting)))
