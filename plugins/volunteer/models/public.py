"""Certificates of service hours (志愿服务记录证明), checkable by anyone with the code."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

CERT_STATES = {"valid": "有效", "needs_review": "待复核", "revoked": "已撤销"}


class Certificate(TenantScoped, db.Model):
    """Issued only from ledger data: Σ HOURS_CREDIT net of reversals dated in the range."""

    __tablename__ = "volunteer__cert"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "number", name="uq_volunteer__cert_tenant_id_number"),
        UniqueConstraint("tenant_id", "verify_token", name="uq_volunteer__cert_tenant_id_verify_token"),
        tenant_fk("volunteer_id", "volunteer__profile"))

    number: Mapped[str] = mapped_column(String(48))
    volunteer_id: Mapped[int] = mapped_column(BigId)
    range_from: Mapped[date] = mapped_column(Date)
    range_to: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column()
    issuer: Mapped[str] = mapped_column(String(100))
    issued_by: Mapped[int | None] = mapped_column(BigId)
    issued_at: Mapped[datetime] = mapped_column(default=utc_default)
    verify_token: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default="valid")
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
