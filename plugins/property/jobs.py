"""Scheduled work: coverage gaps and expiries, committee terms (spec §4)."""
from __future__ import annotations


def coverage_watch(ctx) -> int:
    from .services.coverage import watch
    return watch()


def supervise(ctx) -> int:
    """Warn at 2 and escalate at 3 working days, resume reached deferrals, auto-close unrated tickets."""
    from .services.supervision import jobs
    return sum(jobs().values())
