"""Events the grid plugin announces to other plugins (delivered after commit, at least once)."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.api import Event


@dataclass
class EventCreated(Event):
    name = "grid.event_created"
    event_id: int = 0
    category: str = ""
    source: str = ""


@dataclass
class EventStateChanged(Event):
    name = "grid.event_state_changed"
    event_id: int = 0
    from_state: str = ""
    to_state: str = ""
    action: str = ""


@dataclass
class EventEscalated(Event):
    name = "grid.event_escalated"
    event_id: int = 0
    level: int = 0
    rule: str = ""


@dataclass
class EventClosed(Event):
    name = "grid.event_closed"
    event_id: int = 0
    closure_type: str = ""
    bucket: str = ""
    source: str = ""
    #: volunteers or Party members who assisted, with their minutes: [{"person_id": 1, "minutes": 30}]
    assistants: list = field(default_factory=list)


@dataclass
class CheckResult(Event):
    name = "grid.check_result"
    event_id: int = 0
    passed: bool = True
    reason: str = ""


ALL = [EventCreated, EventStateChanged, EventEscalated, EventClosed, CheckResult]
