"""The tenant registry: districts and streets. Global data, written only by core services."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, db, utc_default


class Tenant(db.Model):
    """A street (街道) or a district (区); a street may have a district parent."""

    __tablename__ = "tenant"
    #: global: the registry itself is read before any tenant context exists.
    __tenancy__ = "global"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # district | street
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tenant.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    plugins_rev: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class TenantPlugin(db.Model):
    """Which plugin a tenant has switched on, with its settings."""

    __tablename__ = "tenant_plugin"
    #: global: read before a context exists and up the district → street chain.
    __tenancy__ = "global"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"))
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("tenant.id"))
    settings: Mapped[dict] = mapped_column(default=dict)
    settings_version: Mapped[int] = mapped_column(Integer, default=1)
    data_version: Mapped[int | None] = mapped_column(Integer)
    enabled_at: Mapped[datetime | None]
    enabled_by: Mapped[int | None] = mapped_column(BigId)
    #: the plugin kept failing here: its hooks are skipped and its pages paused until then
    degraded_until: Mapped[datetime | None]
    #: why, as data the pages put into words: errors, minutes, hook, error class
    degraded_reason: Mapped[dict | None]
    #: when ``jiceng demo load`` last filled this plugin's demo data for the tenant
    demo_filled_at: Mapped[datetime | None]
