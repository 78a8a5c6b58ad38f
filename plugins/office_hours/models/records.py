"""Reception records (接待记录), addenda, and the follow-up of each matter (民情事项) to an answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default


class Visit(TenantScoped, db.Model):
    """One resident received: their own words (原话), read back to them; locked once the reception closes."""

    __tablename__ = "office_hours__visit"
    __table_args__ = tenant_table_args(
        tenant_fk("reception_id", "office_hours__reception"), tenant_fk("booking_id", "office_hours__booking"),
        tenant_fk("person_id", "person"),
        Index("ix_office_hours__visit_tenant_id_reception_id", "tenant_id", "reception_id"))
    __pii__ = ("visitor_name", "contact_phone", "statement_verbatim")

    reception_id: Mapped[int] = mapped_column(BigId)
    booking_id: Mapped[int | None] = mapped_column(BigId)
    person_id: Mapped[int | None] = mapped_column(BigId)
    visitor_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    statement_verbatim: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str | None] = mapped_column(String(20))
    read_back_confirmed_at: Mapped[datetime | None]
    recorded_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Addendum(TenantScoped, db.Model):
    """A correction to a closed reception or visit: appended, the original unchanged."""

    __tablename__ = "office_hours__addendum"
    __table_args__ = tenant_table_args(tenant_fk("reception_id", "office_hours__reception"),
                                       tenant_fk("visit_id", "office_hours__visit"))

    reception_id: Mapped[int] = mapped_column(BigId)
    visit_id: Mapped[int | None] = mapped_column(BigId)
    reason: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Issue(TenantScoped, db.Model):
    """A matter (民情事项) followed until the resident has an answer; ``ref_no`` is the shared case number."""

    __tablename__ = "office_hours__issue"
    __table_args__ = tenant_table_args(
        tenant_fk("visit_id", "office_hours__visit"), tenant_fk("studio_id", "office_hours__studio"),
        tenant_fk("owner_org_unit_id", "org_unit"), tenant_fk("merged_into_id", "office_hours__issue"),
        UniqueConstraint("tenant_id", "ref_no"),
        Index("ix_office_hours__issue_tenant_id_state_created_at", "tenant_id", "state", "created_at"),
        Index("ix_office_hours__issue_tenant_id_linked_type_linked_id", "tenant_id", "linked_type", "linked_id"))
    __pii__ = ("contact_phone",)

    ref_no: Mapped[str] = mapped_column(String(32))
    visit_id: Mapped[int | None] = mapped_column(BigId)
    studio_id: Mapped[int] = mapped_column(BigId)
    owner_org_unit_id: Mapped[int] = mapped_column(BigId)
    source: Mapped[str] = mapped_column(String(16), default="visit")
    #: how the resident first reached us: feedback goes back the same way
    channel: Mapped[str] = mapped_column(String(10), default="in_person")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10), default="normal")
    state: Mapped[str] = mapped_column(String(16), default="received")
    proposal: Mapped[str] = mapped_column(String(400), default="")
    ack_due: Mapped[datetime | None]
    response_due: Mapped[datetime | None]
    resolve_due: Mapped[datetime | None]
    deadline_explain: Mapped[dict] = mapped_column(default=dict)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(BigId)
    linked_type: Mapped[str | None] = mapped_column(String(16))
    linked_id: Mapped[str | None] = mapped_column(String(40))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    clock_from: Mapped[datetime] = mapped_column(default=utc_default)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class IssueStep(TenantScoped, db.Model):
    """The issue's history, append-only: every transition with who, when and why."""

    __tablename__ = "office_hours__issue_step"
    __table_args__ = tenant_table_args(tenant_fk("issue_id", "office_hours__issue"),
                                       Index("ix_office_hours__issue_step_tenant_id_issue_id", "tenant_id", "issue_id"))

    issue_id: Mapped[int] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(400), default="")
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Referral(TenantScoped, db.Model):
    """A referral (转办) to a grid, a department, the discussion station or a higher representative."""

    __tablename__ = "office_hours__referral"
    __table_args__ = tenant_table_args(tenant_fk("issue_id", "office_hours__issue"),
                                       Index("ix_office_hours__referral_tenant_id_issue_id", "tenant_id", "issue_id"))

    issue_id: Mapped[int] = mapped_column(BigId)
    target_type: Mapped[str] = mapped_column(String(16))
    target_ref: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(default=utc_default)
    accept_due: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    response: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(12), default="sent")


class SupervisionLog(TenantScoped, db.Model):
    """A chase (催办), supervision (督办) or extension of an issue."""

    __tablename__ = "office_hours__supervision_log"
    __table_args__ = tenant_table_args(tenant_fk("issue_id", "office_hours__issue"),
                                       UniqueConstraint("tenant_id", "issue_id", "kind", "stage"))

    issue_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(10))
    #: which clock it belongs to (reopen count and due date), so a retried job logs it once
    stage: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    note: Mapped[str] = mapped_column(String(400), default="")


class Feedback(TenantScoped, db.Model):
    """The answer given to the resident, through the channel they first used."""

    __tablename__ = "office_hours__feedback"
    __table_args__ = tenant_table_args(tenant_fk("issue_id", "office_hours__issue"))

    issue_id: Mapped[int] = mapped_column(BigId)
    channel: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)
    given_by: Mapped[int | None] = mapped_column(BigId)
    given_at: Mapped[datetime] = mapped_column(default=utc_default)


class Callback(TenantScoped, db.Model):
    """A satisfaction callback attempt (回访); unreachable is counted apart, never as satisfied."""

    __tablename__ = "office_hours__callback"
    __table_args__ = tenant_table_args(tenant_fk("issue_id", "office_hours__issue"))

    issue_id: Mapped[int] = mapped_column(BigId)
    attempt_n: Mapped[int] = mapped_column(Integer, default=1)
    result: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class HandledEvent(TenantScoped, db.Model):
    """Events from other plugins already acted on: subscribers are idempotent on the event id."""

    __tablename__ = "office_hours__handled_event"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "event_id"))

    event_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(60))
    handled_at: Mapped[datetime] = mapped_column(default=utc_default)
