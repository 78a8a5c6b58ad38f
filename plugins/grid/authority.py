"""Who may act on an event: the action's permission, granted on the event's own unit or above it.

A permission held somewhere else in the street does not count: a grid leader of one grid who is
also an intake clerk at the community may not pass the check of another grid's event. Which unit
each action is checked against is the table next to ``ACTIONS`` (machine.ACTING_UNIT).
"""
from __future__ import annotations

from sqlalchemy import select

from core import api
from core.api import OrgUnit, db

from .machine import ACTING_UNIT, ACTIONS
from .models import GridEvent


class NotPermitted(PermissionError):
    """The user holds no grant carrying the action's permission on the unit it is checked against."""


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
    return unit is not None and api.can(action.permission, unit)


def require(event: GridEvent, name: str) -> None:
    """:raises NotPermitted: unless the user may take ``name`` on this event."""
    if not may(event, name):
        raise NotPermitted(name)


def grid_staff(grid_id: int, permission: str) -> set[int]:
    """Users holding ``permission`` through a grant on the grid itself (or a unit inside it): its staff,
    not everyone above."""
    grid = api.org_unit(grid_id)
    return set() if grid is None else api.users_holding(permission, grid, inside=True)

