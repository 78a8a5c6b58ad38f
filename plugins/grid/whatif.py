"""What-if replay (假设推演, docs/grid.md §17.5): before a new limit table is adopted, the last six
months of dispatched events are replayed under it.

Each event's case deadline is recomputed with the tenant's work calendar from its real dispatch time
(or from a re-dispatch accepted as a dispatch error, which restarts the clock), plus the working days
of its approved extensions, once under the limits in force and once under the proposed ones, and
compared with when it really closed. Open events past a deadline count as late, as in §6. Nothing
is written: frozen outcomes stay frozen (§3 invariant 5); this is the separate report that recomputes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from core.api import clock, db, OrgUnit, WorkCalendar

from .categories import STAGE_LIMITS
from .models import Category, GridEvent, Transition

REPLAY_DAYS = 183  # about six months
#: left out, as in the KPIs: not cases, or paused at their deadline
LEFT_OUT = ("REJECTED", "MERGED", "CANCELLED", "SUSPENDED")


@dataclass
class GridRow:
    name: str
    late_now: int = 0
    late_proposed: int = 0


@dataclass
class Replay:
    since: datetime
    events: int = 0
    on_time_now: int = 0
    due_now: int = 0
    on_time_proposed: int = 0
    due_proposed: int = 0
    became_late: int = 0
    became_on_time: int = 0
    grids: list[GridRow] = field(default_factory=list)

    @staticmethod
    def _rate(num: int, den: int) -> str:
        return f"{100 * num / den:.1f}%" if den else "—"

    @property
    def rate_now(self) -> str:
        return self._rate(self.on_time_now, self.due_now)

    @property
    def rate_proposed(self) -> str:
        return self._rate(self.on_time_proposed, self.due_proposed)

    @property
    def changed(self) -> int:
        return self.became_late + self.became_on_time


def case_deadline(cal: WorkCalendar, urgency: str, start: datetime, limit: tuple[int, str], extensions=()) -> datetime:
    """The case deadline the service would have set: handling limit, check allowance, then extensions."""
    handle = STAGE_LIMITS["handle"][urgency] or limit
    handled = cal.add(start, *handle)
    due = cal.add(handled.due, *STAGE_LIMITS["check"][urgency]).due
    for days in extensions:
        due = cal.add(due, days, "working_day").due
    return due


def outcome(closed_at: datetime | None, due: datetime, now: datetime) -> str:
    """on_time, late, or pending (still open, deadline not reached: not yet due)."""
    if closed_at is not None:
        return "on_time" if clock.aware(closed_at) <= due else "late"
    return "late" if now > due else "pending"


def _clock_starts(event_ids: list[int]) -> tuple[dict, dict]:
    """Per event: when its case clock started, and the days of its approved extensions."""
    starts: dict[int, datetime] = {}
    extensions: dict[int, list[int]] = {}
    rows = db.session.execute(select(Transition.event_id, Transition.action, Transition.at, Transition.payload).where(
        Transition.event_id.in_(event_ids), Transition.action.in_(("dispatch", "redispatch", "extend")))
        .order_by(Transition.event_id, Transition.id))
    for event_id, action, at, payload in rows:
        if action == "dispatch" and event_id not in starts:
            starts[event_id] = clock.aware(at)
        elif action == "redispatch" and (payload or {}).get("dispatch_error") is True:
            starts[event_id] = clock.aware(at)
        elif action == "extend":
            extensions.setdefault(event_id, []).append(int((payload or {}).get("days", 0)))
    return starts, extensions


def replay(proposed: dict[int, tuple[int, str]], cal: WorkCalendar, now: datetime | None = None) -> Replay:
    """Replay the tenant's last six months of dispatched events under ``proposed`` limits
    ({category id: (value, unit)}; categories left out keep their limit in force)."""
    now = now or clock.utcnow()
    since = now - timedelta(days=REPLAY_DAYS)
    result = Replay(since=since)
    limits = {c.id: (c.limit_value, c.limit_unit) for c in db.session.scalars(select(Category))}
    events = list(db.session.execute(select(GridEvent.id, GridEvent.category_id, GridEvent.urgency, GridEvent.grid_id,
                                            GridEvent.closed_at).where(
        GridEvent.case_deadline.is_not(None), GridEvent.state.not_in(LEFT_OUT),
        GridEvent.id.in_(select(Transition.event_id).where(Transition.action == "dispatch", Transition.at >= since)))))
    grids: dict[int | None, GridRow] = {}
    for chunk in range(0, len(events), 500):
        part = events[chunk:chunk + 500]
        starts, extensions = _clock_starts([e.id for e in part])
        for e in part:
            start = starts.get(e.id)
            if start is None:
                continue
            ext = extensions.get(e.id, ())
            now_state = outcome(e.closed_at, case_deadline(cal, e.urgency, start, limits[e.category_id], ext), now)
            new_limit = proposed.get(e.category_id, limits[e.category_id])
            new_state = outcome(e.closed_at, case_deadline(cal, e.urgency, start, new_limit, ext), now)
            result.events += 1
            row = grids.setdefault(e.grid_id, GridRow(""))
            for state, kind in ((now_state, "now"), (new_state, "proposed")):
                if state != "pending":
                    setattr(result, f"due_{kind}", getattr(result, f"due_{kind}") + 1)
                if state == "on_time":
                    setattr(result, f"on_time_{kind}", getattr(result, f"on_time_{kind}") + 1)
                if state == "late":
                    setattr(row, f"late_{kind}", getattr(row, f"late_{kind}") + 1)
            if now_state != new_state:
                result.became_late += new_state == "late"
                result.became_on_time += new_state != "late"  # on time, or not yet due
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_([k for k in grids if k is not None]))).all())
    for grid_id, row in grids.items():
        row.name = names.get(grid_id, "")
    result.grids = sorted((r for r in grids.values() if r.late_now or r.late_proposed),
                          key=lambda r: (-max(r.late_now, r.late_proposed), r.name))
    return result
