"""Events between plugins, through an outbox.

``emit(PointsAwarded(person_id=5))`` adds an outbox row to the current transaction: a rollback
discards it, a commit makes it deliverable. After the response is sent the worker delivers the
events it committed; ``jiceng jobs worker`` retries what failed, with backoff. Delivery is at
least once, so subscribers are idempotent on ``event.id``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..db import db


@dataclass
class Event:
    """Base class: subclasses are dataclasses of JSON-friendly fields with a ``name``."""

    name: ClassVar[str] = "core.event"
    id: int | None = dataclasses.field(default=None, kw_only=True)
    tenant_id: int | None = dataclasses.field(default=None, kw_only=True)

    def payload(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("id", "tenant_id")}


def emit(event: Event) -> None:
    """Queue ``event`` in the current transaction (flushes, never commits)."""
    from .models import EventOutbox
    row = EventOutbox(name=event.name, payload=event.payload())
    db.session.add(row)
    db.session.flush()
    event.id, event.tenant_id = row.id, row.tenant_id
    db.session().info.setdefault("outbox_pending", []).append((row.tenant_id, row.id))


@sa_event.listens_for(Session, "after_commit")
def _committed(session):
    pending = session.info.pop("outbox_pending", None)
    if pending:
        session.info.setdefault("outbox_committed", []).extend(pending)


@sa_event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("outbox_pending", None)


def take_committed() -> list[tuple[int, int]]:
    """Events this unit of work committed and nobody has delivered yet."""
    return db.session().info.pop("outbox_committed", [])
