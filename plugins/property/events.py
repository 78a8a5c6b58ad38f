"""Events the property module emits; other modules read them in core/plugins/EVENTS.md."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.api import Event


@dataclass
class CoverageGapOpened(Event):
    """A compound has no professional, fallback or self-governed period today: it turns red and needs a hand-over plan."""
    name = "property.coverage_gap_opened"
    compound_id: int = 0
    community_id: int = 0
    opened_on: str = ""
    last_provider_id: int = 0



@dataclass
class TicketSupervisionEscalated(Event):
    """A ticket had no qualifying action by its company for the escalation period (3 working days by default)
    and went to the community for supervision (转社区督办); it is now the mirror of the grid event made from it.
    ``history`` is the ticket's resident-visible timeline, ``excluded_checkers`` the accounts employed by the
    company (they may never check its work), ``grid_id`` the grid serving the compound (0 when none)."""
    name = "property.ticket_supervision_escalated"
    ticket_id: int = 0
    ref_no: str = ""
    case_no: str = ""
    compound_id: int = 0
    compound_name: str = ""
    community_id: int = 0
    grid_id: int = 0
    category: str = ""
    description: str = ""
    channel: str = ""
    provider_id: int = 0
    provider_name: str = ""
    excluded_checkers: list = field(default_factory=list)
    history: list = field(default_factory=list)


@dataclass
class TicketDeclinedNotProperty(Event):
    """A company declined a ticket as not a property matter (NOT_PROPERTY_MATTER)."""
    name = "property.ticket_declined_not_property"
    ticket_id: int = 0
    case_no: str = ""
    compound_id: int = 0
    community_id: int = 0
    description: str = ""


@dataclass
class DeclineDisputed(Event):
    """The resident disputed a company's decline within the dispute period; the community reviews it."""
    name = "property.decline_disputed"
    ticket_id: int = 0
    ref_no: str = ""
    case_no: str = ""
    compound_id: int = 0
    community_id: int = 0
    grid_id: int = 0
    decline_reason: str = ""
    description: str = ""
    excluded_checkers: list = field(default_factory=list)


@dataclass
class TicketStateChanged(Event):
    """Any step of a ticket's state machine; ``grid_event_id`` is set for a mirror of a grid event."""
    name = "property.ticket_state_changed"
    ticket_id: int = 0
    from_state: str = ""
    to_state: str = ""
    action: str = ""
    is_mirror: bool = False
    grid_event_id: int = 0
    case_no: str = ""
    result: str = ""


from .meeting_events import MeetingActionCreated  # noqa: E402

ALL = [CoverageGapOpened, TicketSupervisionEscalated, TicketDeclinedNotProperty, DeclineDisputed, TicketStateChanged,
       MeetingActionCreated]
