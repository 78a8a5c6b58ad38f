"""Events the office-hours plugin announces to other plugins (delivered after commit, at least once)."""
from __future__ import annotations

from dataclasses import dataclass

from core.api import Event


@dataclass
class ReceptionHeld(Event):
    """A reception was closed after it was held; ``zero_visitors`` when nobody came (it still counts
    for the month's rule, flagged)."""
    name = "office_hours.reception_held"
    reception_id: int = 0
    studio_id: int = 0
    org_unit_id: int = 0
    visitor_count: int = 0
    zero_visitors: bool = False


@dataclass
class IssueCreated(Event):
    """A resident's matter (民情事项) was recorded; ``case_no`` is the case number shared across modules."""
    name = "office_hours.issue_created"
    issue_id: int = 0
    case_no: str = ""
    category: str = ""
    source: str = ""


@dataclass
class IssueReferred(Event):
    """A matter was referred (转办) to a grid: the grid may open an event with source OFFICE_HOURS and
    report back through its own events with the same ``case_no``. Only what the target needs is sent:
    a confidential matter carries its category and no words of the resident."""
    name = "office_hours.issue_referred"
    issue_id: int = 0
    referral_id: int = 0
    case_no: str = ""
    target_type: str = "grid"
    target_unit_id: int = 0
    category: str = ""
    title: str = ""
    description: str = ""
    location: str = ""
    contact_phone: str = ""
    confidential: bool = False


@dataclass
class IssueEscalated(Event):
    """A matter was escalated to the discussion station (or a higher representative); the matter opened
    there keeps ``case_no`` so its outcome can reach the resident."""
    name = "office_hours.issue_escalated"
    issue_id: int = 0
    case_no: str = ""
    target_type: str = "discussion"
    category: str = ""
    title: str = ""
    org_unit_id: int = 0


@dataclass
class IssueClosed(Event):
    """A matter was closed after feedback and the callback (``result``: satisfied, basic or unreachable)."""
    name = "office_hours.issue_closed"
    issue_id: int = 0
    case_no: str = ""
    result: str = ""


ALL = [ReceptionHeld, IssueCreated, IssueReferred, IssueEscalated, IssueClosed]
