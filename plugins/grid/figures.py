"""The figures staff are judged by (docs/grid.md §6): 准确派遣率, 按时签收率, 回访率, 重复诉求率, and the
period's cases next to its demands. They are counted from the timeline (``grid__event_transition``),
because an event's own columns keep only its latest dispatch, callback and closure."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from core.api import clock, db

from . import geo
from .categories import STAGE_LIMITS
from .deadlines import calendar
from .models import Category, GridEvent, Transition

#: the callback results that mean someone was reached (unreachable is a callback due, never a success)
REACHED = ("satisfied", "basic", "unsatisfied")
#: a new event within this many days of a closure, nearby and of the same sub-category, is a repeat demand
REPEAT_WINDOW = timedelta(days=30)


def _dispatch(t) -> bool:
    """A dispatch is T9, or a re-dispatch T12 (a re-dispatch that turned into 定责, T14, sends nobody)."""
    return t.action == "dispatch" or (t.action == "redispatch" and t.code == "T12")


def _timelines(event_ids, actions) -> dict[int, list]:
    rows = db.session.execute(select(Transition.event_id, Transition.action, Transition.code, Transition.at,
                                     Transition.payload)
                              .where(Transition.event_id.in_(event_ids), Transition.action.in_(actions))
                              .order_by(Transition.at, Transition.id)).all() if event_ids else []
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row.event_id, []).append(row)
    return out


def dispatching(lo, hi, in_scope, now=None) -> dict[str, int]:
    """准确派遣率 = 1 − dispatch errors ÷ dispatches; 按时签收率 = dispatches signed within the sign limit
    (of the event's urgency, from the dispatch) ÷ dispatches whose limit has passed or that were answered."""
    now = now or clock.utcnow()
    ids = list(db.session.scalars(select(Transition.event_id).distinct().where(
        Transition.at >= lo, Transition.at <= hi, Transition.action.in_(("dispatch", "redispatch")),
        Transition.event_id.in_(in_scope))))
    urgency = dict(db.session.execute(select(GridEvent.id, GridEvent.urgency).where(GridEvent.id.in_(ids))).all()) \
        if ids else {}
    cal = calendar()
    out = {"dispatches": 0, "errors": 0, "sign_due": 0, "signed_in_time": 0}
    for event_id, rows in _timelines(ids, ("dispatch", "redispatch", "sign", "return", "cancel")).items():
        for i, t in enumerate(rows):
            inside = lo <= clock.aware(t.at) <= hi
            if inside and t.action == "redispatch" and (t.payload or {}).get("dispatch_error"):
                out["errors"] += 1
            if not (inside and _dispatch(t)):
                continue
            out["dispatches"] += 1
            due = cal.add(clock.aware(t.at), *STAGE_LIMITS["sign"][urgency.get(event_id, "NORMAL")]).due
            answer = rows[i + 1] if i + 1 < len(rows) else None
            if answer is None and now <= due:
                continue  # still within its sign limit: not decided yet
            out["sign_due"] += 1
            if answer is not None and answer.action == "sign" and clock.aware(answer.at) <= due:
                out["signed_in_time"] += 1
    return out


def callbacks(lo, hi, in_scope, now=None) -> dict[str, int]:
    """回访率 = successful callbacks ÷ callbacks due: each time an event began to wait for its callback
    (T20) in the period; one still within its callback limit is not due yet."""
    now = now or clock.utcnow()
    ids = list(db.session.scalars(select(Transition.event_id).distinct().where(
        Transition.at >= lo, Transition.at <= hi, Transition.code == "T20", Transition.event_id.in_(in_scope))))
    waiting = dict(db.session.execute(select(GridEvent.id, GridEvent.stage_deadline).where(
        GridEvent.id.in_(ids), GridEvent.state == "AWAITING_CALLBACK")).all()) if ids else {}
    out = {"due": 0, "reached": 0}
    for event_id, rows in _timelines(ids, ("check_pass", "callback", "reopen", "cancel")).items():
        for i, t in enumerate(rows):
            if t.code != "T20" or not lo <= clock.aware(t.at) <= hi:
                continue
            answer = rows[i + 1] if i + 1 < len(rows) else None
            if answer is None and event_id in waiting and (waiting[event_id] is None
                                                           or now <= clock.aware(waiting[event_id])):
                continue
            out["due"] += 1
            if answer is not None and answer.action == "callback" and (answer.payload or {}).get(
                    "callback_result") in REACHED:
                out["reached"] += 1
    return out


def repeats(lo, hi, in_scope) -> dict[str, int]:
    """重复诉求率 = closed events that were reopened, or that have a linked new event within 30 days,
    ÷ closed events. Closed: a closure in the period (consultations answered on the spot, T4, left out).
    Linked: a new report merged into it, or a new event of its sub-category within its duplicate radius."""
    closings = db.session.execute(select(Transition.event_id, func.min(Transition.at)).where(
        Transition.at >= lo, Transition.at <= hi, Transition.to_state == "CLOSED", Transition.code != "T4",
        Transition.action != "recheck_pass", Transition.event_id.in_(in_scope)).group_by(Transition.event_id)).all()
    if not closings:
        return {"closed": 0, "repeated": 0}
    closed_at = {event_id: clock.aware(at) for event_id, at in closings}
    ids = list(closed_at)
    repeated = {event_id for event_id, at in db.session.execute(select(Transition.event_id, Transition.at).where(
        Transition.event_id.in_(ids), Transition.code == "T24")).all() if clock.aware(at) > closed_at[event_id]}
    events = {e.id: e for e in db.session.execute(
        select(GridEvent.id, GridEvent.category_id, GridEvent.lat, GridEvent.lng, Category.dup_radius_m)
        .join(Category, and_(Category.id == GridEvent.category_id, Category.tenant_id == GridEvent.tenant_id))
        .where(GridEvent.id.in_(ids))).all()}
    later = db.session.execute(select(GridEvent.id, GridEvent.master_id, GridEvent.category_id, GridEvent.lat,
                                      GridEvent.lng, GridEvent.created_at).where(
        GridEvent.created_at > min(closed_at.values()), GridEvent.created_at <= max(closed_at.values()) + REPEAT_WINDOW,
        or_(GridEvent.master_id.in_(ids), GridEvent.category_id.in_({e.category_id for e in events.values()})),
        GridEvent.state.not_in(("REJECTED", "CANCELLED")))).all()
    for new in later:
        made = clock.aware(new.created_at)
        for event_id, e in events.items():
            if event_id in repeated or new.id == event_id or not closed_at[event_id] < made <= closed_at[event_id] \
                    + REPEAT_WINDOW:
                continue
            if new.master_id == event_id or (
                    new.category_id == e.category_id and None not in (e.lat, e.lng, new.lat, new.lng)
                    and geo.distance_m(e.lat, e.lng, new.lat, new.lng) <= (e.dup_radius_m or 50)):
                repeated.add(event_id)
    return {"closed": len(ids), "repeated": len(repeated)}


def intake(lo, hi, scope) -> tuple[int, int]:
    """本期受理 counts cases (a report merged into another case is not one); 诉求人次 counts demands
    (Σ demand_n: each merged report adds one to its case)."""
    cases, demands = db.session.execute(select(func.count(), func.coalesce(func.sum(GridEvent.demand_n), 0)).where(
        GridEvent.created_at >= lo, GridEvent.created_at <= hi, GridEvent.state != "MERGED", scope)).one()
    return int(cases or 0), int(demands or 0)
