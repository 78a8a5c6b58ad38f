"""Messages to residents: one row per (booking, template, change) so a retried job never sends twice;
residents with an account also get an inbox item."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core import api
from core.api import clock, current, db

from ..models import Booking, Notification, Reception


def queue(dedupe_key: str, template: str, body: str, *, user_id: int | None = None, person_id: int | None = None,
          phone: str | None = None, channel: str = "sms", at: datetime | None = None) -> bool:
    """Queue one message; False when the same key was queued before (a retry)."""
    values = dict(tenant_id=current().active, dedupe_key=dedupe_key[:120], template=template, body=body[:400],
                  target_user_id=user_id, target_person_id=person_id, phone=phone, channel=channel,
                  scheduled_at=at or clock.utcnow(), status="pending", attempts=0)
    dialect = db.session.get_bind().dialect.name
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(Notification).values(**values)
    made = db.session.execute(ins.on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
                              .returning(Notification.id), execution_options={"tenant_checked_insert": True}).first()
    return made is not None


def notify_holders(r: Reception, template: str, body: str) -> int:
    """Tell everyone holding a seat in ``r`` (booking made online: inbox and SMS; by phone: SMS)."""
    n = 0
    rows = db.session.scalars(select(Booking).where(Booking.reception_id == r.id,
                                                    Booking.state.in_(("held", "confirmed")))).all()
    for b in rows:
        if queue(f"{template}:{r.id}:{r.sequence}:{b.id}", template, body, user_id=b.user_id,
                 person_id=b.person_id, phone=b.contact_phone):
            n += 1
            if b.user_id:
                api.notify([b.user_id], body, "office_hours.my_bookings")
    return n


def send_due(now: datetime | None = None, limit: int = 500) -> int:
    """Hand due messages to the gateway (here: mark them sent; a failure stays visible as failed)."""
    now = now or clock.utcnow()
    rows = db.session.scalars(select(Notification).where(Notification.status == "pending",
                                                         Notification.scheduled_at <= now)
                              .order_by(Notification.scheduled_at).limit(limit)).all()
    for row in rows:
        row.attempts += 1
        if row.channel in ("sms", "call") and not row.phone and not row.target_user_id:
            row.status = "failed"
            continue
        row.status, row.sent_at = "sent", now
    db.session.flush()
    return len(rows)
