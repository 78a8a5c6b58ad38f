"""Audit trail: one append-only log per tenant, and a separate log of platform actions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, TenantScoped, db, tenant_table_args, utc_default


class AuditLog(TenantScoped, db.Model):
    """Who did what to which object, when, from where, with what outcome. Holds ids, not personal values."""

    __tablename__ = "audit_log"
    __table_args__ = tenant_table_args(Index("ix_audit_log_tenant_at", "tenant_id", "at", "id"))

    at: Mapped[datetime] = mapped_column(default=utc_default)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class PlatformAudit(db.Model):
    """Platform-admin and system-scope actions, kept apart from tenants' logs."""

    __tablename__ = "platform_audit"
    #: global: actions across tenants by platform admins and maintenance commands.
    __tenancy__ = "global"
    #: the runtime role may only insert here, so the new id comes from the sequence, not RETURNING
    __table_args__ = {"implicit_returning": False}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utc_default)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[int | None] = mapped_column(BigId)
    detail: Mapped[dict] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)
