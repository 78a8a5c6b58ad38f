"""Put work in people's inboxes, with links built from endpoints (never by hand)."""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_request_context, url_for

from ..db import db
from ..tenancy.context import current
from ..tenancy.services import tenant_slug
from .models import Notification


def path_for(endpoint: str, **values) -> str:
    """``url_for`` for the current tenant that also works in jobs, where there is no request."""
    values.setdefault("tenant", tenant_slug(current().active))
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notify(users: Iterable[int], title: str, endpoint: str | None = None, body: str | None = None,
           source: str = "core", **url_args) -> int:
    """One inbox item per user in the current tenant, linking to ``endpoint``; returns how many.

    The same user listed twice gets one item. Flushes only.
    """
    link = path_for(endpoint, **url_args) if endpoint else None
    ids = sorted({u for u in users if u is not None})
    db.session.add_all([Notification(user_id=u, title=str(title)[:200], body=body, link=link, source=source)
                        for u in ids])
    db.session.flush()
    return len(ids)
