"""Hook errors, one row each, shared by every worker (``core.plugins.health``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, db


class PluginError(db.Model):
    """A plugin's hook raised in a tenant: which hook, the exception class and a scrubbed message."""

    __tablename__ = "plugin_error"
    #: global: keyed by tenant, but the platform's operators read every tenant's rows at once
    #: (PostgreSQL policies still keep a tenant to its own).
    __tenancy__ = "global"
    __table_args__ = (Index("ix_plugin_error_tenant_id_plugin_occurred_at", "tenant_id", "plugin", "occurred_at"),
                      Index("ix_plugin_error_occurred_at", "occurred_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"))
    plugin: Mapped[str] = mapped_column(String(64))
    hook: Mapped[str] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
