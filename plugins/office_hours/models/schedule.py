"""Representatives, studios, recurring series and the receptions materialised from them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default

KINDS = ("party_congress", "peoples_congress", "cppcc")
LEVELS = ("district", "city", "province", "national")
HOLIDAY_POLICIES = ("next_working_day", "skip", "keep")
#: reception states (office-hours.md §3.1)
RECEPTION_STATES = ("planned", "announced", "open", "held", "closed", "cancelled", "rescheduled")


class Representative(TenantScoped, db.Model):
    """A deputy or CPPCC member; one row per kind a person holds."""

    __tablename__ = "office_hours__representative"
    __table_args__ = tenant_table_args(
        tenant_fk("person_id", "person"), tenant_fk("org_unit_id", "org_unit"),
        UniqueConstraint("tenant_id", "person_id", "kind"))

    person_id: Mapped[int] = mapped_column(BigId)
    #: the unit the representative is attached to (permissions are asked about it)
    org_unit_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(12), default="district")
    term_start: Mapped[date]
    term_end: Mapped[date | None]
    #: 联系社区: org unit ids
    linked_unit_ids: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(12), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)

    def serving_on(self, day: date) -> bool:
        return self.status == "active" and self.term_start <= day and (self.term_end is None or day <= self.term_end)


class Studio(TenantScoped, db.Model):
    """A representative studio (党代表工作室), one per community by default."""

    __tablename__ = "office_hours__studio"
    __table_args__ = tenant_table_args(tenant_fk("org_unit_id", "org_unit"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    public_phone: Mapped[str] = mapped_column(String(20), default="")
    kinds_hosted: Mapped[list] = mapped_column(default=list)
    compliance_from: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="active")


class Series(TenantScoped, db.Model):
    """A recurring schedule (RFC 5545 RRULE) in Asia/Shanghai wall time; editing makes a new version."""

    __tablename__ = "office_hours__series"
    __table_args__ = tenant_table_args(tenant_fk("studio_id", "office_hours__studio"),
                                       tenant_fk("supersedes_id", "office_hours__series"))

    studio_id: Mapped[int] = mapped_column(BigId)
    rrule: Mapped[str] = mapped_column(String(200))
    #: first occurrence (UTC); its Shanghai wall-clock time is the time of every occurrence
    dtstart: Mapped[datetime]
    duration_min: Mapped[int] = mapped_column(Integer, default=120)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    seats_per_slot: Mapped[int] = mapped_column(Integer, default=1)
    reserved_walkin_seats: Mapped[int] = mapped_column(Integer, default=2)
    walkin_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=2)
    max_bookings_per_person_month: Mapped[int] = mapped_column(Integer, default=3)
    announce_days_before: Mapped[int] = mapped_column(Integer, default=3)
    holiday_policy: Mapped[str] = mapped_column(String(20), default="next_working_day")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    supersedes_id: Mapped[int | None] = mapped_column(BigId)
    #: representatives who host by default (ids)
    host_ids: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Reception(TenantScoped, db.Model):
    """One reception (接待场次). ``version`` guards two people acting at once; ``sequence`` is iCal's."""

    __tablename__ = "office_hours__reception"
    __table_args__ = tenant_table_args(
        tenant_fk("studio_id", "office_hours__studio"), tenant_fk("series_id", "office_hours__series"),
        tenant_fk("rescheduled_to_id", "office_hours__reception"),
        UniqueConstraint("tenant_id", "series_id", "starts_at"),
        Index("ix_office_hours__reception_tenant_id_studio_id_starts_at", "tenant_id", "studio_id", "starts_at"),
        Index("ix_office_hours__reception_tenant_id_state_starts_at", "tenant_id", "state", "starts_at"))

    studio_id: Mapped[int] = mapped_column(BigId)
    series_id: Mapped[int | None] = mapped_column(BigId)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="planned")
    #: why the date differs from the rule (holiday policy), shown on the calendar
    moved_reason: Mapped[str] = mapped_column(String(60), default="")
    announced_at: Mapped[datetime | None]
    late_announcement: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    rescheduled_to_id: Mapped[int | None] = mapped_column(BigId)
    reserved_walkin_seats: Mapped[int] = mapped_column(Integer, default=2)
    walkin_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=2)
    max_bookings_per_person_month: Mapped[int] = mapped_column(Integer, default=3)
    next_queue_no: Mapped[int] = mapped_column(Integer, default=1)
    visitor_count: Mapped[int | None] = mapped_column(Integer)
    zero_visitors: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes_text: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(BigId)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Host(TenantScoped, db.Model):
    """A representative hosting a reception, or standing in as substitute."""

    __tablename__ = "office_hours__host"
    __table_args__ = tenant_table_args(
        tenant_fk("reception_id", "office_hours__reception"),
        tenant_fk("representative_id", "office_hours__representative"),
        UniqueConstraint("tenant_id", "reception_id", "representative_id"))

    reception_id: Mapped[int] = mapped_column(BigId)
    representative_id: Mapped[int] = mapped_column(BigId)
    role: Mapped[str] = mapped_column(String(12), default="host")
    confirmed_at: Mapped[datetime | None]


class Slot(TenantScoped, db.Model):
    """A bookable time within a reception. ``taken`` only ever moves by an atomic conditional UPDATE."""

    __tablename__ = "office_hours__slot"
    __table_args__ = tenant_table_args(
        tenant_fk("reception_id", "office_hours__reception"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        Index("ix_office_hours__slot_tenant_id_reception_id_starts_at", "tenant_id", "reception_id", "starts_at"))

    reception_id: Mapped[int] = mapped_column(BigId)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    #: seats kept for walk-ins: online booking stops at capacity − reserved
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    taken: Mapped[int] = mapped_column(Integer, default=0)
