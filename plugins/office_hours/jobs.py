"""Scheduled work, run per tenant with the plugin on; every job is safe to retry."""
from __future__ import annotations

from .services import booking, issues, notices, schedule


def materialise(ctx) -> None:
    schedule.materialise()


def advance(ctx) -> None:
    """Holds and offers that ran out; receptions announced, opened and held as the clock says."""
    booking.expire_holds()
    booking.expire_offers()
    schedule.advance()


def reminders(ctx) -> None:
    notices.send_due()


def issue_deadlines(ctx) -> None:
    issues.watch_deadlines()
