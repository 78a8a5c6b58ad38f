"""Scheduled work: proposed claims with no answer lapse after the configured days (spec §3.3)."""
from __future__ import annotations

from core import api


def lapse_claims(ctx) -> int:
    from .services.lists import lapse_due
    return lapse_due(api.settings("discussion")["claim_lapse_days"])
