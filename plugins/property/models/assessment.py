"""Monthly assessment (物业考核): schemes (checklist, weights, rounding, tiers, card rules) and the
assessments scored against them. A scheme is immutable once any assessment uses it: the service
refuses, and on PostgreSQL a trigger refuses any UPDATE of a locked scheme (migration ``property_0003``).

Scores are integers in 1/10000 of a point (``_e4``): 79.995 is 799950, so nothing is lost before the
scheme's rounding rule is applied."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

STATES = ("draft", "submitted", "confirmed", "published", "superseded")
CARDS = ("none", "yellow", "red")


class AssessmentScheme(TenantScoped, db.Model):
    """``checklist``: [{"code", "name", "items": [{"code", "name", "max"}]}]; ``weights``: inspection and
    ticket KPI shares and the KPI's own parts; ``rounding``: {"mode": half_up|half_even|down, "places": 2};
    ``tiers``: [[min score, ratio in 1/10000], …] best first; ``card_rules``: yellow below, how many
    yellows within how many months make a red."""

    __tablename__ = "property__assessment_scheme"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "version"))

    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(100), default="")
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    weights: Mapped[dict] = mapped_column(JSON, default=dict)
    rounding: Mapped[dict] = mapped_column(JSON, default=dict)
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    min_ticket_sample: Mapped[int] = mapped_column(Integer, default=5)
    card_rules: Mapped[dict] = mapped_column(JSON, default=dict)
    locked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Assessment(TenantScoped, db.Model):
    """One compound's month under one provider: draft → submitted → confirmed → published; a
    correction makes a new version that supersedes it."""

    __tablename__ = "property__assessment"
    __table_args__ = tenant_table_args(
        tenant_fk("compound_id", "org_unit"), tenant_fk("provider_id", "property__company"),
        tenant_fk("scheme_id", "property__assessment_scheme"), tenant_fk("supersedes_id", "property__assessment"),
        UniqueConstraint("tenant_id", "supersedes_id"),
        Index("ix_property__assessment_tenant_id_compound_id_month", "tenant_id", "compound_id", "month"))

    compound_id: Mapped[int] = mapped_column(BigId)
    provider_id: Mapped[int] = mapped_column(BigId)
    month: Mapped[date] = mapped_column(Date)
    scheme_id: Mapped[int] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer, default=1)
    panel_member_ids: Mapped[list] = mapped_column(JSON, default=list)
    item_scores: Mapped[dict] = mapped_column(JSON, default=dict)  # {item code: {"score": "2.5", "note": …}}
    photos: Mapped[list] = mapped_column(JSON, default=list)
    inspection_e4: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ticket_kpi_e4: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ticket_sample: Mapped[int] = mapped_column(Integer, default=0)
    composite_e4: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kpi_note: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(12), default="draft")
    card: Mapped[str] = mapped_column(String(8), default="none")
    submitted_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
