"""Scheduled work, per tenant: the runner commits."""
from __future__ import annotations


def close_forgotten_checkouts(ctx) -> int:
    return 0


def end_claim_terms(ctx) -> int:
    return 0


def expire_holds(ctx) -> int:
    return 0
