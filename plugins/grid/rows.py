"""What every grid service does to a row: lock it with the form's version (a stale form is refused,
never overwritten) and write its timeline step."""
from __future__ import annotations

from sqlalchemy import select

from core.api import db, lock_for_update

from .machine import Stale
from .models import GridEvent, Transition


def lock_versioned(model, row_id: int, version: int | None):
    """Lock one row; a stale form version means someone else changed it first."""
    row = db.session.scalars(lock_for_update(select(model).where(model.id == row_id))).first()
    if row is None:
        raise LookupError(row_id)
    if version is not None and row.version != version:
        raise Stale(row_id)
    return row


def load_for_update(event_id: int, version: int | None) -> GridEvent:
    """Lock the event row; a stale form version means someone else acted first."""
    return lock_versioned(GridEvent, event_id, version)


def log_transition(event, code, action, from_state, to_state, actor_id, reason, payload=None) -> None:
    """One step on the event's timeline."""
    db.session.add(Transition(event_id=event.id, code=code, action=action, from_state=from_state, to_state=to_state,
                              actor_id=actor_id, reason=reason, payload=payload or {}))

