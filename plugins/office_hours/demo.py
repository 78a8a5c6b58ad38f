"""Demo data (seed facts §2.6): one studio per community, synthetic representatives, and two years of
receptions in which every studio kept the monthly rule."""
from __future__ import annotations

from datetime import date, timedelta

from core.api import clock


def default_window() -> tuple[date, date]:
    """The demo's two years: 24 whole months ending with the last complete month."""
    today = clock.local(clock.utcnow()).date()
    end = today.replace(day=1) - timedelta(days=1)
    return window_for(end)


def window_for(end: date) -> tuple[date, date]:
    start_month = end.month - 23
    year = end.year + (start_month - 1) // 12
    month = (start_month - 1) % 12 + 1
    return date(year, month, 1), end


def fill(tenant, window_end: date) -> int:
    return 0
