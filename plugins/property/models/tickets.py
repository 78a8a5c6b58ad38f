"""Tickets (报修/投诉) with their append-only timeline, categories with their time limits, and mass
incidents (停水/停电/电梯停运) that link the tickets they explain."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default

STATES = ("NEW", "ACCEPTED", "IN_PROGRESS", "DEFERRED", "COMPLETED", "DECLINED", "CLOSED")
OPEN_STATES = ("NEW", "ACCEPTED", "IN_PROGRESS")
CHANNELS = ("resident_app", "phone", "walk_in", "staff", "grid_dispatch")
DECLINE_REASONS = ("NOT_PROPERTY_MATTER", "DUPLICATE", "OUT_OF_CONTRACT", "INVALID")
UNITS = ("minute", "hour", "day", "working_hour", "working_day")


class TicketCategory(TenantScoped, db.Model):
    """A kind of repair or complaint with its promise: response, on-site and completion limits."""

    __tablename__ = "property__ticket_category"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "code"))

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    area: Mapped[str] = mapped_column(String(8), default="public")  # public | in_home
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    response_value: Mapped[int] = mapped_column(Integer, default=2)
    response_unit: Mapped[str] = mapped_column(String(12), default="working_hour")
    onsite_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    onsite_unit: Mapped[str | None] = mapped_column(String(12), nullable=True)
    complete_value: Mapped[int] = mapped_column(Integer, default=3)
    complete_unit: Mapped[str] = mapped_column(String(12), default="working_day")
    counts_for_assessment: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Incident(TenantScoped, db.Model):
    """A mass outage or stoppage, logged once; new tickets of its buildings in its window link to it."""

    __tablename__ = "property__incident"
    __table_args__ = tenant_table_args()

    compound_ids: Mapped[list] = mapped_column(JSON, default=list)
    building_ids: Mapped[list] = mapped_column(JSON, default=list)  # empty: every building of the compounds
    kind: Mapped[str] = mapped_column(String(12), default="water")  # water | power | lift | gas | other
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    staff_script: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Ticket(TenantScoped, db.Model):
    """A resident's repair request or complaint about a compound, and how its company handled it.

    ``clock_from`` is when the supervision clock last (re)started; ``is_mirror`` once the ticket follows a
    grid event (escalated, or dispatched by the grid), whose clocks then govern."""

    __tablename__ = "property__ticket"
    __table_args__ = tenant_table_args(
        tenant_fk("compound_id", "org_unit"), tenant_fk("building_id", "org_unit"),
        tenant_fk("household_id", "org_unit"), tenant_fk("category_id", "property__ticket_category"),
        tenant_fk("reporter_person_id", "person"), tenant_fk("provider_id", "property__company"),
        tenant_fk("incident_id", "property__incident"),
        UniqueConstraint("tenant_id", "ref_no"),
        Index("ix_property__ticket_tenant_id_provider_id_state", "tenant_id", "provider_id", "state"),
        Index("ix_property__ticket_tenant_id_compound_id_state", "tenant_id", "compound_id", "state"),
        Index("ix_property__ticket_tenant_id_grid_event_ref", "tenant_id", "grid_event_ref"))

    ref_no: Mapped[str] = mapped_column(String(24))
    case_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    compound_id: Mapped[int] = mapped_column(BigId)
    building_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    unit_label: Mapped[str] = mapped_column(String(40), default="")
    household_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default="repair")  # repair | complaint
    area: Mapped[str] = mapped_column(String(8), default="public")  # public | in_home
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    category_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list] = mapped_column(JSON, default=list)
    reporter_person_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    reporter_user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_enc: Mapped[str | None] = mapped_column(String(200), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="resident_app")
    entry_permission: Mapped[str] = mapped_column(String(12), default="none")  # none | any_time | appointment
    appointment_at: Mapped[datetime | None] = mapped_column(nullable=True)
    provider_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    incident_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    state: Mapped[str] = mapped_column(String(12), default="NEW")
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    response_due: Mapped[datetime | None] = mapped_column(nullable=True)
    onsite_due: Mapped[datetime | None] = mapped_column(nullable=True)
    complete_due: Mapped[datetime | None] = mapped_column(nullable=True)
    deadline_explain: Mapped[str] = mapped_column(Text, default="")
    clock_from: Mapped[datetime | None] = mapped_column(nullable=True)
    last_provider_action_at: Mapped[datetime | None] = mapped_column(nullable=True)
    warned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_to_community_at: Mapped[datetime | None] = mapped_column(nullable=True)
    grid_event_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)
    deferred_until: Mapped[date | None] = mapped_column(nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(24), nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(nullable=True)
    rating: Mapped[str | None] = mapped_column(String(10), nullable=True)  # good | bad | returned
    rating_reasons: Mapped[list] = mapped_column(JSON, default=list)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # overall, speed, attitude (1–5)
    callback_result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    callback_attempts: Mapped[int] = mapped_column(Integer, default=0)
    close_reason: Mapped[str | None] = mapped_column(String(24), nullable=True)
    reopen_n: Mapped[int] = mapped_column(Integer, default=0)
    is_mirror: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    onsite_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TicketAction(TenantScoped, db.Model):
    """One line of a ticket's timeline; never changed (append-only in the database)."""

    __tablename__ = "property__ticket_action"
    __table_args__ = tenant_table_args(tenant_fk("ticket_id", "property__ticket"),
                                       Index("ix_property__ticket_action_tenant_id_ticket_id", "tenant_id", "ticket_id"))

    ticket_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(20))  # status_change | provider_comment | internal_note | resident_message
    actor_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    actor_role: Mapped[str] = mapped_column(String(12), default="")  # resident | provider | staff | grid | system
    at: Mapped[datetime] = mapped_column(default=utc_default)
    visible_to_resident: Mapped[bool] = mapped_column(Boolean, default=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
