"""Events the discussion station emits; other modules read them in core/plugins/EVENTS.md."""
from __future__ import annotations

from dataclasses import dataclass

from core.api import Event


@dataclass
class MatterNotAdmitted(Event):
    """A matter was not admitted at screening; ``reason`` is the public reason, ``case_no`` the 事项编号."""
    name = "discussion.matter_not_admitted"
    matter_id: int = 0
    case_no: str = ""
    origin: str = ""
    origin_ref: str = ""
    reason: str = ""
    outcome: str = ""


@dataclass
class MatterDecided(Event):
    """A joint meeting decided a matter (``outcome``: approved, rejected, deferred or conditional)."""
    name = "discussion.matter_decided"
    matter_id: int = 0
    decision_id: int = 0
    case_no: str = ""
    origin: str = ""
    origin_ref: str = ""
    outcome: str = ""


@dataclass
class MatterClosed(Event):
    """A matter's result publicity ended with no open objection; ``outcome`` is the result told to whoever raised it."""
    name = "discussion.matter_closed"
    matter_id: int = 0
    case_no: str = ""
    origin: str = ""
    origin_ref: str = ""
    outcome: str = ""
    link: str = ""


@dataclass
class ProjectNeedsVolunteers(Event):
    """A co-building project asks for volunteers (the volunteer module may draft an activity from it)."""
    name = "discussion.project_needs_volunteers"
    project_id: int = 0
    title: str = ""
    org_unit_id: int = 0
    start_on: str = ""


@dataclass
class ClaimVerified(Event):
    """A delivered claim was verified: a unit's contribution to co-building (``uscc`` identifies the unit)."""
    name = "discussion.claim_verified"
    claim_id: int = 0
    item_id: int = 0
    unit_id: int = 0
    uscc: str = ""
    quantity: int = 0


@dataclass
class MeetingHeld(Event):
    """A joint meeting's minutes were approved and locked."""
    name = "discussion.meeting_held"
    meeting_id: int = 0
    station_id: int = 0
    org_unit_id: int = 0
    decisions: int = 0


ALL = [MatterNotAdmitted, MatterDecided, MatterClosed, ProjectNeedsVolunteers, ClaimVerified, MeetingHeld]
