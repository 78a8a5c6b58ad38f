"""Four-party joint meetings (四方联席会议) and the actions they decide. Approved minutes are locked:
the service refuses, and on PostgreSQL a trigger refuses any UPDATE or DELETE of an approved
meeting (migration ``property_0003``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

MEETING_STATES = ("scheduled", "held", "approved", "cancelled")
ACTION_KINDS = ("ticket", "grid_event", "co_building", "task")
ACTION_STATES = ("open", "done", "dropped")


class JointMeeting(TenantScoped, db.Model):
    """``parties_present``: [{"role", "label", "name", "present"}], one entry per party role;
    ``carried_action_ids``: open actions of earlier meetings put on this agenda when it was scheduled."""

    __tablename__ = "property__joint_meeting"
    __table_args__ = tenant_table_args(
        tenant_fk("community_id", "org_unit"),
        Index("ix_property__joint_meeting_tenant_id_community_id_scheduled_at", "tenant_id", "community_id", "scheduled_at"))

    community_id: Mapped[int] = mapped_column(BigId)
    compound_ids: Mapped[list] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime] = mapped_column()
    location: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[str] = mapped_column(String(100), default="")
    parties_present: Mapped[list] = mapped_column(JSON, default=list)
    party_absent: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda: Mapped[str] = mapped_column(Text, default="")
    carried_action_ids: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="scheduled")
    approved_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class MeetingAction(TenantScoped, db.Model):
    """A resolution line: a ticket, a grid event, a co-building demand or a task, tracked until done.
    Open actions return on the community's next agenda."""

    __tablename__ = "property__meeting_action"
    __table_args__ = tenant_table_args(
        tenant_fk("meeting_id", "property__joint_meeting"),
        Index("ix_property__meeting_action_tenant_id_meeting_id", "tenant_id", "meeting_id"),
        Index("ix_property__meeting_action_tenant_id_state", "tenant_id", "state"))

    meeting_id: Mapped[int] = mapped_column(BigId)
    order_no: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(12), default="task")
    target_ref: Mapped[str] = mapped_column(String(64), default="")
    owner: Mapped[str] = mapped_column(String(64), default="")
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(8), default="open")
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    result: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
