"""Events the grid plugin announces to other plugins (delivered after commit, at least once)."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.api import Event


@dataclass
class EventCreated(Event):
    """A grid event reached intake (待受理): reported by staff, a resident, 12345 or another module.
    ``source`` is STAFF, RESIDENT, HOTLINE, PATROL…; ``case_no`` is the resident's case number."""
    name = "grid.event_created"
    event_id: int = 0
    category: str = ""
    source: str = ""
    case_no: str = ""


@dataclass
class EventStateChanged(Event):
    """Any step of the event's state machine (accept, dispatch, sign, return, close…), named by ``action``."""
    name = "grid.event_state_changed"
    event_id: int = 0
    from_state: str = ""
    to_state: str = ""
    action: str = ""


@dataclass
class EventEscalated(Event):
    """The event went up a level (L1 community, L2 street, L3 shared with a district department) under ``rule``."""
    name = "grid.event_escalated"
    event_id: int = 0
    level: int = 0
    rule: str = ""


@dataclass
class EventClosed(Event):
    """The event is closed (办结): on the spot, after check and callback, or merged. ``bucket`` is the
    seed article's category group; ``case_no`` the resident's case number."""
    name = "grid.event_closed"
    event_id: int = 0
    closure_type: str = ""
    bucket: str = ""
    source: str = ""
    case_no: str = ""
    #: volunteers or Party members who assisted, with their minutes: [{"person_id": 1, "minutes": 30}]
    assistants: list = field(default_factory=list)


@dataclass
class CheckResult(Event):
    """An independent check of the handling passed or failed (a failure returns the event for rework)."""
    name = "grid.check_result"
    event_id: int = 0
    passed: bool = True
    reason: str = ""


ALL = [EventCreated, EventStateChanged, EventEscalated, EventClosed, CheckResult]
