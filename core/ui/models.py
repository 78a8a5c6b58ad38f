"""The in-app notification inbox; plugins post SLA warnings here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, TenantScoped, db, tenant_table_args, utc_default


class Notification(TenantScoped, db.Model):
    """A message for one user in one tenant."""

    __tablename__ = "notification"
    __table_args__ = tenant_table_args(Index("ix_notification_user", "tenant_id", "user_id", "read_at", "id"))

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(64), default="core")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    read_at: Mapped[datetime | None]


class DataStamp(TenantScoped, db.Model):
    """A tenant's data stamp: a new random number in every transaction that writes the tenant's rows
    (``core.ui.fragments``), so a page rendered under the old one is never shown again."""

    __tablename__ = "data_stamp"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id"))

    stamp: Mapped[int] = mapped_column(BigInteger, default=0)
