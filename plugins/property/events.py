"""Events the property module emits; other modules read them in core/plugins/EVENTS.md."""
from __future__ import annotations

from dataclasses import dataclass

from core.api import Event


@dataclass
class CoverageGapOpened(Event):
    """A compound has no professional, fallback or self-governed period today: it turns red and needs a hand-over plan."""
    name = "property.coverage_gap_opened"
    compound_id: int = 0
    community_id: int = 0
    opened_on: str = ""
    last_provider_id: int = 0


from .meeting_events import MeetingActionCreated  # noqa: E402

ALL = [CoverageGapOpened, MeetingActionCreated]
