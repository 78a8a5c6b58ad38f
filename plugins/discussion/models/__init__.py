"""Discussion station tables, every one a tenant table named discussion__*."""
from .deliberation import (AgendaItem, Attendance, Decision, Matter, Meeting, Milestone, Objection, Project,
                           Publicity, Support, Version, Vote)
from .lists import DEFAULT_NAME, Claim, Covenant, Cycle, Item, Member, Proxy, Rollover, Station, Unit

__all__ = ["AgendaItem", "Attendance", "Claim", "Covenant", "Cycle", "DEFAULT_NAME", "Decision", "Item", "Matter",
           "Meeting", "Member", "Milestone", "Objection", "Project", "Proxy", "Publicity", "Rollover", "Station", "Support",
           "Unit", "Version", "Vote"]
