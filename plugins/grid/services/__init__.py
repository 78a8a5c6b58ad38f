"""Grid services: report, act on, and count events. They flush; the view or command commits.

- ``reporting``: a new event (T1), subscriptions, duplicates nearby, search, personal-data requests
- ``actions``: ``perform`` one state-machine action through its effect in ``EFFECTS``; the actions on offer
- ``intake`` / ``handling``: the effects themselves, by stage
Deadlines live in ``plugins.grid.deadlines``, row locks and timeline steps in ``plugins.grid.rows``.
"""
from __future__ import annotations

from ..deadlines import calendar, set_case_deadline, set_stage, sla_colour, sla_colour_at, sla_colour_until, stage_limit
from ..rows import load_for_update, lock_versioned
from .actions import EFFECTS, available_actions, perform
from .reporting import (
                        DUP_DAYS,
                        distance,
                        erase_reporter,
                        events_reported_by,
                        nearby_open,
                        next_ref,
                        report_event,
                        search_events,
                        seed_categories,
                        set_root_cause,
                        subscribe,
)

__all__ = ["DUP_DAYS", "EFFECTS", "available_actions", "calendar", "distance", "erase_reporter", "events_reported_by",
           "load_for_update", "lock_versioned", "nearby_open", "next_ref", "perform", "report_event", "search_events",
           "seed_categories", "set_case_deadline", "set_root_cause", "set_stage", "sla_colour", "sla_colour_at", "sla_colour_until",
           "stage_limit", "subscribe"]
