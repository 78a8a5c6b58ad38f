"""Events between plugins, through an outbox.

``emit(PointsAwarded(person_id=5))`` adds an outbox row to the current transaction: a rollback
discards it, a commit makes it deliverable. After the response is sent the worker delivers the
events it committed; ``jiceng jobs worker`` retries what failed, with backoff. Delivery is at
least once, so subscribers are idempotent on ``event.id``.

Every event is also a state change someone may have to answer for: it goes into the tenant's audit
log in the same transaction (:func:`audit_event`), with its ids and codes, never its free text.
"""
from __future__ import annotations

import dataclasses
import re
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
    audit_event(event)


#: a value the audit log may keep: a code (DISPATCHED, E20260301-0A1B2C), never a sentence someone typed
CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def audit_event(event: Event) -> None:
    """Record ``event`` in the audit log: action ``<name>`` or ``<name>.<step>`` when the event names
    its step in ``action``; the object is its first ``…_id`` field; the detail keeps numbers, flags
    and codes only."""
    from ..audit.service import record
    payload = event.payload()
    plugin = event.name.partition(".")[0]
    object_field = next((k for k, v in payload.items() if k.endswith("_id") and isinstance(v, int)), None)
    step = payload.get("action")
    action = f"{event.name}.{step}" if isinstance(step, str) and CODE.fullmatch(step) else event.name
    detail = {k: v for k, v in payload.items() if k not in (object_field, "action", "object_type", "object_id", "outcome") and (
        v is None or isinstance(v, (bool, int)) or (isinstance(v, str) and CODE.fullmatch(v)))}
    record(action[:64], f"{plugin}_{object_field[:-3]}" if object_field else None,
           payload.get(object_field) if object_field else None, outbox_id=event.id, **detail)


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
