"""A resident's view of their report (docs/grid.md §9): found by its 受理编号 and the last four digits of
the phone it was reported with, nothing more; a report merged into another shows the case it joined."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core import api
from core.api import db

from .machine import State
from .models import GridEvent, Subscriber, Transition

#: lookups from one address per hour: enough to check a few reports, too few to guess numbers
LOOKUPS_PER_HOUR = 10

#: the steps a resident sees, by the state they led to (the staff's own steps stay inside)
PUBLIC_STATES = (State.SUBMITTED, State.VERIFYING, State.REGISTERED, State.DISPATCHED, State.IN_PROGRESS,
                 State.SUSPENDED, State.AWAITING_CHECK, State.AWAITING_CALLBACK, State.CLOSED, State.REJECTED,
                 State.MERGED, State.CANCELLED)


@dataclass
class Progress:
    event: GridEvent
    steps: list  # (at, state), oldest first, one row per change of state
    master: GridEvent | None = None  # the case it was merged into
    master_steps: list | None = None


def _tail_matches(phone: str | None, tail: str) -> bool:
    return bool(phone) and len(phone) >= 4 and phone[-4:] == tail


def find(ref_no: str, tail: str) -> Progress | None:
    """The report whose number and phone tail both match (the reporter's, or a caller who follows it);
    None otherwise, whichever of the two was wrong."""
    event = db.session.scalars(select(GridEvent).where(GridEvent.ref_no == ref_no.strip().upper())).first()
    if event is None:
        return None
    phones = [event.reporter_phone, *db.session.scalars(select(Subscriber.phone).where(Subscriber.event_id == event.id))]
    if not any(_tail_matches(p, tail) for p in phones):
        return None
    progress = Progress(event, steps(event.id))
    if event.state == State.MERGED and event.master_id is not None:
        progress.master = db.session.get(GridEvent, event.master_id)
        progress.master_steps = steps(event.master_id) if progress.master is not None else None
    return progress


def steps(event_id: int) -> list:
    """When the event reached each state a resident would recognise, oldest first."""
    rows = db.session.execute(select(Transition.at, Transition.to_state).where(Transition.event_id == event_id)
                              .order_by(Transition.id)).all()
    out, last = [], None
    for at, state in rows:
        if state != last and state in PUBLIC_STATES:
            out.append((at, state))
        last = state
    return out


def reporters_to_tell(event: GridEvent) -> set[int]:
    """Residents with an account who reported this case or a report merged into it (not staff)."""
    ids = {event.created_by, *db.session.scalars(select(GridEvent.created_by).where(
        GridEvent.master_id == event.id, GridEvent.state == State.MERGED))} - {None}
    if not ids:
        return set()
    root = api.org_unit(db.session.scalar(select(api.OrgUnit.id).where(api.OrgUnit.parent_id.is_(None))
                                          .order_by(api.OrgUnit.id).limit(1)))
    staff = api.users_holding("grid.view", root, inside=True) if root is not None else set()
    return ids - staff
