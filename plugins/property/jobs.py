"""Scheduled work: coverage gaps and expiries, committee terms (spec §4)."""
from __future__ import annotations


def coverage_watch(ctx) -> int:
    from .services.coverage import watch
    return watch()
