"""Bookings, the waitlist, reminders (deduplicated) and iCal feed tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default

#: states in which a booking holds a seat (office-hours.md §3.2)
ACTIVE = ("held", "confirmed", "checked_in")
CHANNELS = ("online", "phone", "walkin", "staff")


class Booking(TenantScoped, db.Model):
    """A seat in a slot (or a walk-in's queue number). ``holder`` names the resident: ``u<account>``
    for an online booking, ``p<person>`` or ``t<phone>`` when staff book for someone."""

    __tablename__ = "office_hours__booking"
    __table_args__ = tenant_table_args(
        tenant_fk("reception_id", "office_hours__reception"), tenant_fk("slot_id", "office_hours__slot"),
        tenant_fk("person_id", "person"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        # one active booking per person and reception, whatever two requests do at once
        Index("uq_office_hours__booking_tenant_id_reception_id_holder_active", "tenant_id", "reception_id", "holder",
              unique=True, sqlite_where=text("state IN ('held', 'confirmed', 'checked_in')"),
              postgresql_where=text("state IN ('held', 'confirmed', 'checked_in')")),
        Index("ix_office_hours__booking_tenant_id_holder_created_at", "tenant_id", "holder", "created_at"),
        Index("ix_office_hours__booking_tenant_id_state_hold_expires_at", "tenant_id", "state", "hold_expires_at"))
    __pii__ = ("contact_phone", "name")

    reception_id: Mapped[int] = mapped_column(BigId)
    slot_id: Mapped[int | None] = mapped_column(BigId)
    holder: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(BigId)
    person_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10), default="online")
    state: Mapped[str] = mapped_column(String(20), default="held")
    hold_expires_at: Mapped[datetime | None]
    queue_no: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: a walk-in beyond every seat (never turned away)
    overflow: Mapped[bool] = mapped_column(default=False)
    #: staff lifted the monthly limit, and why
    override_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    confirmed_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]


class WaitlistEntry(TenantScoped, db.Model):
    """A place in a reception's FIFO waitlist; a freed seat is offered to the head, one person per seat."""

    __tablename__ = "office_hours__waitlist"
    __table_args__ = tenant_table_args(
        tenant_fk("reception_id", "office_hours__reception"), tenant_fk("booking_id", "office_hours__booking"),
        tenant_fk("slot_id", "office_hours__slot"),
        UniqueConstraint("tenant_id", "reception_id", "position"),
        Index("uq_office_hours__waitlist_tenant_id_reception_id_holder_open", "tenant_id", "reception_id", "holder",
              unique=True, sqlite_where=text("state IN ('waiting', 'offered')"),
              postgresql_where=text("state IN ('waiting', 'offered')")))
    __pii__ = ("contact_phone", "name")

    reception_id: Mapped[int] = mapped_column(BigId)
    holder: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    #: the seat held for this person while the offer runs
    slot_id: Mapped[int | None] = mapped_column(BigId)
    offer_expires_at: Mapped[datetime | None]
    booking_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Notification(TenantScoped, db.Model):
    """A message to a resident (reminder, cancellation, offer, feedback); ``dedupe_key`` makes a retried
    job send it once. Failures stay visible to staff."""

    __tablename__ = "office_hours__notification"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_office_hours__notification_tenant_id_status_scheduled_at", "tenant_id", "status", "scheduled_at"))
    __pii__ = ("phone",)

    target_user_id: Mapped[int | None] = mapped_column(BigId)
    target_person_id: Mapped[int | None] = mapped_column(BigId)
    phone: Mapped[str | None] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    body: Mapped[str] = mapped_column(String(400), default="")
    dedupe_key: Mapped[str] = mapped_column(String(120))
    scheduled_at: Mapped[datetime] = mapped_column(default=utc_default)
    sent_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class IcalToken(TenantScoped, db.Model):
    """A revocable secret for a representative's private feed (only its hash is kept)."""

    __tablename__ = "office_hours__ical_token"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "token_hash"))

    owner_type: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(BigId)
    token_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(10), default="private")
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
