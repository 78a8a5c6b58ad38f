"""Activities, sign-ups with check-in/out, and service records (服务记录)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

ACTIVITY_TYPES = {"policy": "政策宣传", "cleanup": "清洁家园", "epidemic": "疫情防控", "elderly": "助老",
                  "culture": "文化", "other": "其他"}
ACTIVITY_STATES = {"draft": "草稿", "published": "报名中", "finished": "已结束", "settled": "已结算",
                   "cancelled": "已取消"}
SOURCES = {"checkin": "签到签退", "roster": "现场点名", "self_report": "本人申报", "linked_event": "协助网格事件",
           "backfill": "补录·不计积分"}
RECORD_STATES = {"open": "服务中", "draft": "待补充", "submitted": "待审核", "needs_review": "待复核",
                 "approved": "已通过", "rejected": "未通过", "voided": "已作废"}


class Activity(TenantScoped, db.Model):
    """A volunteer activity (活动) of a community; beneficiaries are counted per activity."""

    __tablename__ = "volunteer__activity"
    __table_args__ = tenant_table_args(
        tenant_fk("org_unit_id", "org_unit"), tenant_fk("team_id", "volunteer__team"),
        tenant_fk("post_id", "volunteer__post"),
        Index("ix_volunteer__activity_tenant_id_starts_at", "tenant_id", "starts_at"),
        Index("ix_volunteer__activity_tenant_id_org_unit_id", "tenant_id", "org_unit_id"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    team_id: Mapped[int | None] = mapped_column(BigId)
    post_id: Mapped[int | None] = mapped_column(BigId)
    project_ref: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(12), default="other")
    location: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(default=30)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    checkin_code: Mapped[str] = mapped_column(String(6), default="")
    default_minutes: Mapped[int] = mapped_column(default=0)
    max_credit_minutes: Mapped[int] = mapped_column(default=0)
    approval_mode: Mapped[str] = mapped_column(String(12), default="manual")
    beneficiaries_count: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(10), default="published")
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Registration(TenantScoped, db.Model):
    """A sign-up: registered or waitlisted (FIFO by ``position``), then checked in and out."""

    __tablename__ = "volunteer__signup"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "activity_id", "volunteer_id",
                         name="uq_volunteer__signup_tenant_id_activity_id_volunteer_id"),
        tenant_fk("activity_id", "volunteer__activity"), tenant_fk("volunteer_id", "volunteer__profile"),
        Index("ix_volunteer__signup_tenant_id_volunteer_id", "tenant_id", "volunteer_id"))

    activity_id: Mapped[int] = mapped_column(BigId)
    volunteer_id: Mapped[int] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(10), default="registered")
    position: Mapped[int] = mapped_column(default=0)
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    assisted_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class ServiceRecord(TenantScoped, db.Model):
    """Time a volunteer served; ``service_date`` is the local (Asia/Shanghai) start date."""

    __tablename__ = "volunteer__record"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_volunteer__record_tenant_id_idempotency_key"),
        tenant_fk("volunteer_id", "volunteer__profile"), tenant_fk("org_unit_id", "org_unit"),
        tenant_fk("activity_id", "volunteer__activity"), tenant_fk("post_id", "volunteer__post"),
        tenant_fk("supersedes_id", "volunteer__record"),
        Index("ix_volunteer__record_tenant_id_volunteer_id_service_date", "tenant_id", "volunteer_id",
              "service_date"),
        Index("ix_volunteer__record_tenant_id_state", "tenant_id", "state"))

    volunteer_id: Mapped[int] = mapped_column(BigId)
    org_unit_id: Mapped[int] = mapped_column(BigId)
    activity_id: Mapped[int | None] = mapped_column(BigId)
    post_id: Mapped[int | None] = mapped_column(BigId)
    linked_ref: Mapped[str | None] = mapped_column(String(64))
    service_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    minutes_claimed: Mapped[int] = mapped_column(default=0)
    minutes_credited: Mapped[int] = mapped_column(default=0)
    uncredited_minutes: Mapped[int] = mapped_column(default=0)
    uncredited_reason: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int | None] = mapped_column(BigId)
    declared_by: Mapped[int | None] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    approved_by: Mapped[int | None] = mapped_column(BigId)
    approved_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    supersedes_id: Mapped[int | None] = mapped_column(BigId)
    anomaly_flags: Mapped[list] = mapped_column(default=list)
    idempotency_key: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
