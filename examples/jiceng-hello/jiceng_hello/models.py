"""你好笔记 tables: every one is a tenant table with the plugin's prefix."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.api import db, tenant_table_args, TenantScoped, utc_default


class Note(TenantScoped, db.Model):
    """A short note kept by street staff."""

    __tablename__ = "hello__note"
    __table_args__ = tenant_table_args(Index("ix_hello__note_tenant_id_created_at", "tenant_id", "created_at"))

    title: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
