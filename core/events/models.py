"""The event outbox and the record of scheduled job runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import TenantScoped, db, tenant_table_args, utc_default


class EventOutbox(TenantScoped, db.Model):
    """An event written in the same transaction as the change it announces; delivered after commit."""

    __tablename__ = "event_outbox"
    #: delivery bookkeeping that no page shows: writing it leaves the tenant's data stamp alone
    __data_stamp__ = False
    __table_args__ = tenant_table_args(Index("ix_event_outbox_tenant_id_dispatched_at_next_attempt_at", "tenant_id", "dispatched_at", "next_attempt_at"))

    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_default)
    dispatched_at: Mapped[datetime | None]
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobRun(TenantScoped, db.Model):
    """When a scheduled job last ran for a tenant, so ``jiceng jobs run`` is idempotent."""

    __tablename__ = "job_run"
    #: scheduler bookkeeping that no page shows: a job that ran without changing anything leaves the
    #: tenant's data stamp (and so every page kept under it) alone
    __data_stamp__ = False
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "job"))

    job: Mapped[str] = mapped_column(String(100))
    last_run_at: Mapped[datetime] = mapped_column(default=utc_default)
    last_status: Mapped[str] = mapped_column(String(16), default="ok")


class SchedulerLease(db.Model):
    """Who runs the scheduled jobs now, until when: one runner at a time across workers and hosts."""

    __tablename__ = "scheduler_lease"
    #: global: one lease for the whole installation, taken before any tenant's jobs run.
    __tenancy__ = "global"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime] = mapped_column(default=utc_default)
