"""Events of the four-party joint meetings; listed in ``events.ALL`` and so in core/plugins/EVENTS.md."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.api import Event


@dataclass
class MeetingActionCreated(Event):
    """A four-party joint meeting (四方联席会议) decided an action of kind ``grid_event`` or ``co_building``:
    the grid module may open an event, the discussion station a co-building demand. ``ref`` is the
    action's reference (PM-<meeting>-<n>); ``compound_ids`` the compounds the meeting was about."""
    name = "property.meeting_action_created"
    action_id: int = 0
    meeting_id: int = 0
    kind: str = ""
    community_id: int = 0
    compound_ids: list = field(default_factory=list)
    text: str = ""
    owner: str = ""
    due_on: str = ""
    ref: str = ""
