"""A case and the steps it took through the modules."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default


class CaseFile(TenantScoped, db.Model):
    """A resident's matter, known by its number wherever it goes."""

    __tablename__ = "case_file"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "number"))

    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(default=utc_default)


class CaseStep(TenantScoped, db.Model):
    """One module's record of the case: what it is, where it lives, who may see it."""

    __tablename__ = "case_step"
    __table_args__ = tenant_table_args(
        tenant_fk("case_id", "case_file"), tenant_fk("org_unit_id", "org_unit"),
        UniqueConstraint("tenant_id", "kind", "object_id"), Index("ix_case_step_tenant_id_case_id_id", "tenant_id", "case_id", "id"))

    case_id: Mapped[int] = mapped_column(BigId)
    plugin: Mapped[str] = mapped_column(String(64))
    #: "<plugin>.<record>", e.g. "grid.event"
    kind: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(128))
    url_args: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the step is shown to those who hold ``permission`` on this unit (or above it)
    org_unit_id: Mapped[int] = mapped_column(BigId)
    permission: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
