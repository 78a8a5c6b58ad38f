"""Matters (议题) with supports and versions, joint meetings with attendance, agenda, votes and decisions,
projects with milestones, publicity with objections."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, event, Index, inspect, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default


class Matter(TenantScoped, db.Model):
    """A matter raised by a resident, a unit, staff on someone's behalf, or another module (spec §3.2)."""

    __tablename__ = "discussion__matter"
    __table_args__ = tenant_table_args(
        tenant_fk("station_id", "discussion__station"), tenant_fk("cycle_id", "discussion__cycle"),
        tenant_fk("merged_into_id", "discussion__matter"),
        UniqueConstraint("tenant_id", "origin", "origin_ref"),
        Index("ix_discussion__matter_tenant_id_station_id_state", "tenant_id", "station_id", "state"))

    station_id: Mapped[int] = mapped_column(BigId)
    cycle_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    ref_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    author_name: Mapped[str] = mapped_column(String(64), default="")
    on_behalf_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    on_behalf_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    origin: Mapped[str] = mapped_column(String(16), default="resident")
    origin_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    screening_result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    screening_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    screened_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    snapshot_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    rollover_n: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome_sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Support(TenantScoped, db.Model):
    """One person's support (附议) of a matter; at most one each."""

    __tablename__ = "discussion__support"
    __table_args__ = tenant_table_args(tenant_fk("matter_id", "discussion__matter"),
                                       UniqueConstraint("tenant_id", "matter_id", "user_id"))

    matter_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Version(TenantScoped, db.Model):
    """A stored version of a matter's text: every edit after submission, snapshots and corrections."""

    __tablename__ = "discussion__version"
    __table_args__ = tenant_table_args(Index("ix_discussion__version_tenant_id_entity", "tenant_id", "entity",
                                             "entity_id"))

    entity: Mapped[str] = mapped_column(String(16), default="matter")
    entity_id: Mapped[int] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(12), default="edit")  # edit | snapshot | correction
    title: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    edited_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    edited_at: Mapped[datetime] = mapped_column(default=utc_default)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    public_marker: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Meeting(TenantScoped, db.Model):
    """A joint meeting (联席会议): scheduled → sitting → adjourned → minutes_draft → minutes_approved."""

    __tablename__ = "discussion__meeting"
    __table_args__ = tenant_table_args(tenant_fk("station_id", "discussion__station"),
                                       tenant_fk("cycle_id", "discussion__cycle"),
                                       Index("ix_discussion__meeting_tenant_id_cycle_id", "tenant_id", "cycle_id"))

    station_id: Mapped[int] = mapped_column(BigId)
    cycle_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(14), default="joint")
    starts_at: Mapped[datetime] = mapped_column(default=utc_default)
    location: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    quorum_required: Mapped[int] = mapped_column(Integer, default=3)
    present_voting: Mapped[int] = mapped_column(Integer, default=0)
    minutes_text: Mapped[str] = mapped_column(Text, default="")
    minutes_approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    minutes_approved_by: Mapped[list] = mapped_column(JSON, default=list)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Attendance(TenantScoped, db.Model):
    """A member's presence at a meeting; quorum is recomputed on every arrival and departure."""

    __tablename__ = "discussion__attendance"
    __table_args__ = tenant_table_args(tenant_fk("meeting_id", "discussion__meeting"),
                                       tenant_fk("member_id", "discussion__member"),
                                       UniqueConstraint("tenant_id", "meeting_id", "member_id"))

    meeting_id: Mapped[int] = mapped_column(BigId)
    member_id: Mapped[int] = mapped_column(BigId)
    present: Mapped[bool] = mapped_column(default=False)
    arrived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AgendaItem(TenantScoped, db.Model):
    """An agenda item: a matter (frozen by its snapshot), a claim, a project, a list review or an action review."""

    __tablename__ = "discussion__agenda_item"
    __table_args__ = tenant_table_args(tenant_fk("meeting_id", "discussion__meeting"))

    meeting_id: Mapped[int] = mapped_column(BigId)
    subject_type: Mapped[str] = mapped_column(String(16), default="list_review")
    subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    snapshot_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    order_no: Mapped[int] = mapped_column(Integer, default=1)
    motion_text: Mapped[str] = mapped_column(Text, default="")


class Vote(TenantScoped, db.Model):
    """The tally of one agenda item; it can never count more votes than eligible members present."""

    __tablename__ = "discussion__vote"
    __table_args__ = tenant_table_args(
        tenant_fk("agenda_item_id", "discussion__agenda_item"),
        CheckConstraint("votes_for + votes_against + abstain <= eligible_present", name="ck_discussion__vote_tally"))

    agenda_item_id: Mapped[int] = mapped_column(BigId)
    method: Mapped[str] = mapped_column(String(12), default="show_hands")
    votes_for: Mapped[int] = mapped_column(Integer, default=0)
    votes_against: Mapped[int] = mapped_column(Integer, default=0)
    abstain: Mapped[int] = mapped_column(Integer, default=0)
    recused_member_ids: Mapped[list] = mapped_column(JSON, default=list)
    eligible_present: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Decision(TenantScoped, db.Model):
    """A decision: INSERT-only (a trigger on PostgreSQL), hash-chained; a change is a new superseding decision."""

    __tablename__ = "discussion__decision"
    __table_args__ = tenant_table_args(tenant_fk("meeting_id", "discussion__meeting"),
                                       tenant_fk("agenda_item_id", "discussion__agenda_item"),
                                       tenant_fk("supersedes_id", "discussion__decision"))

    meeting_id: Mapped[int] = mapped_column(BigId)
    agenda_item_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(12), default="approved")
    decided_at: Mapped[datetime] = mapped_column(default=utc_default)
    supersedes_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str] = mapped_column(String(64), default="")


class Project(TenantScoped, db.Model):
    """A co-building project (项目) with progress 0–100, usually born of a decision."""

    __tablename__ = "discussion__project"
    __table_args__ = tenant_table_args(
        tenant_fk("decision_id", "discussion__decision"), tenant_fk("station_id", "discussion__station"),
        tenant_fk("matter_id", "discussion__matter"), tenant_fk("lead_unit_id", "discussion__unit"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="ck_discussion__project_progress"))

    station_id: Mapped[int] = mapped_column(BigId)
    decision_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    matter_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    title: Mapped[str] = mapped_column(String(100))
    lead_unit_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    budget: Mapped[int] = mapped_column(Integer, default=0)
    start_on: Mapped[date | None] = mapped_column(nullable=True)
    planned_end: Mapped[date | None] = mapped_column(nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="implementing")


class Milestone(TenantScoped, db.Model):
    """A project milestone; hidden from public pages until its publication date."""

    __tablename__ = "discussion__milestone"
    __table_args__ = tenant_table_args(tenant_fk("project_id", "discussion__project"))

    project_id: Mapped[int] = mapped_column(BigId)
    title: Mapped[str] = mapped_column(String(100))
    planned_on: Mapped[date | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    publication_date: Mapped[date | None] = mapped_column(nullable=True)


class Publicity(TenantScoped, db.Model):
    """A public notice (公示) of a decision or a result, open to objections until 23:59:59 of ends_on."""

    __tablename__ = "discussion__publicity"
    __table_args__ = tenant_table_args(tenant_fk("matter_id", "discussion__matter"))

    matter_id: Mapped[int] = mapped_column(BigId)
    subject: Mapped[str] = mapped_column(String(10), default="result")  # decision | result
    starts_on: Mapped[date] = mapped_column(default=date.today)
    ends_on: Mapped[date] = mapped_column(default=date.today)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | closed | reopened


class Objection(TenantScoped, db.Model):
    """An objection (异议) to a publicity: open → answered / upheld / dismissed, always with a public answer."""

    __tablename__ = "discussion__objection"
    __table_args__ = tenant_table_args(tenant_fk("publicity_id", "discussion__publicity"))

    publicity_id: Mapped[int] = mapped_column(BigId)
    by_user: Mapped[int | None] = mapped_column(BigId, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    filed_at: Mapped[datetime] = mapped_column(default=utc_default)
    state: Mapped[str] = mapped_column(String(10), default="open")
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)


@event.listens_for(Decision, "before_update")
@event.listens_for(Decision, "before_delete")
def _decisions_are_insert_only(_mapper, _conn, target):
    """SQLite has no trigger here: the ORM refuses (PostgreSQL's trigger refuses anything else)."""
    raise PermissionError("discussion__decision is insert-only: a change is a new decision superseding it")


@event.listens_for(Meeting, "before_update")
@event.listens_for(Meeting, "before_delete")
def _approved_minutes_are_locked(_mapper, _conn, target):
    was = inspect(target).attrs.minutes_approved_at.history
    if (was.deleted and was.deleted[0] is not None) or (not was.has_changes() and target.minutes_approved_at
                                                          is not None and was.unchanged):
        raise PermissionError(f"approved minutes of discussion__meeting {target.id} are locked")
