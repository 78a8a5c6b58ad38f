"""Scheduled work, per tenant (the runner commits): the midnight close of forgotten check-outs,
claims whose term ran out, and pick-up holds that expired."""
from __future__ import annotations

from sqlalchemy import select

from core.api import clock, db


def close_forgotten_checkouts(ctx, now=None) -> int:
    from .services.activities import close_forgotten
    return close_forgotten(now)


def end_claim_terms(ctx, now=None) -> int:
    """A claim whose term has passed completes (its seat is freed); the claimant may claim again.
    Claims without approved service for eight weeks are flagged for the 挂名认领 review."""
    from .models import PostClaim
    from .services import posts
    today = (now or clock.utcnow()).astimezone(clock.SHANGHAI).date()
    n = 0
    for row in db.session.scalars(select(PostClaim).where(PostClaim.state == "active", PostClaim.term_end < today)):
        posts.end(row, "completed", "认领期满")
        n += 1
    return n + posts.flag_dormant(today)


def expire_points(ctx, now=None) -> int:
    """Nightly FIFO expiry of points (nothing to do while the setting is off: lots carry no expiry)."""
    from .services.ledger import expire_lots
    return expire_lots((now or clock.utcnow()).astimezone(clock.SHANGHAI).date())


def expire_holds(ctx, now=None) -> int:
    from .services.rewards import expire_holds as run
    return run(now)
