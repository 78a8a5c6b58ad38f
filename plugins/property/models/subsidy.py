"""The fallback subsidy ledger (兜底补贴台账): standards, append-only entries, review and approval steps.

``property__subsidy_entry`` is never updated: a correction is a reversal of exactly one entry plus a
new entry. PostgreSQL refuses UPDATE and DELETE with a trigger (migration ``property_0003``; only a
whole tenant's purge may delete), SQLite refuses UPDATE with a trigger, and the services never
write either. Each entry carries the hash of the one before it in the tenant, so
``jiceng property ledger verify`` notices a row changed behind the application's back.

Money is integer fen. Scores are integers too: ``score_raw`` in 1/10000 of a point (the composite as
computed, 79.995 → 799950) and ``score`` in 1/100 (after the scheme's rounding, 80.00 → 8000);
``tier_ratio`` is in 1/10000 (10000 = 100%).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

FEN = BigInteger().with_variant(db.Integer(), "sqlite")
ENTRY_KINDS = ("budget", "accrual", "reversal", "disbursement")
BASES = ("per_household_month", "per_m2_month")
STEPS = ("community_reviewed", "street_approved")


class SubsidyStandard(TenantScoped, db.Model):
    """A rate (fen per household-month or per m²-month) for a coverage mode and provider kind, in force
    from ``effective_from`` until a later standard of the same mode and kind takes over."""

    __tablename__ = "property__subsidy_standard"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "mode", "provider_kind", "effective_from"),
        CheckConstraint("rate_fen >= 0", name="rate"))

    mode: Mapped[str] = mapped_column(String(16), default="fallback")
    provider_kind: Mapped[str] = mapped_column(String(16), default="")  # "" = any kind
    basis: Mapped[str] = mapped_column(String(20), default="per_household_month")
    rate_fen: Mapped[int] = mapped_column(FEN)
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class SubsidyEntry(TenantScoped, db.Model):
    """One line of the ledger. ``key`` makes a second accrual for the same compound, provider and
    month (or a second budget for a month) impossible, however many writers race; a correction's
    new line is keyed by the reversal it follows."""

    __tablename__ = "property__subsidy_entry"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "key"), UniqueConstraint("tenant_id", "reverses_entry_id"),
        tenant_fk("compound_id", "org_unit"), tenant_fk("provider_id", "property__company"),
        tenant_fk("coverage_period_id", "property__coverage_period"),
        tenant_fk("standard_id", "property__subsidy_standard"),
        tenant_fk("assessment_id", "property__assessment"),
        tenant_fk("reverses_entry_id", "property__subsidy_entry"),
        CheckConstraint("kind IN ('budget', 'accrual', 'reversal', 'disbursement')", name="kind"),
        CheckConstraint("(kind = 'reversal') = (reverses_entry_id IS NOT NULL)", name="reversal_link"),
        Index("ix_property__subsidy_entry_tenant_id_month_kind", "tenant_id", "month", "kind"),
        Index("ix_property__subsidy_entry_tenant_id_compound_id_month", "tenant_id", "compound_id", "month"))

    key: Mapped[str] = mapped_column(String(96))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    kind: Mapped[str] = mapped_column(String(12), default="accrual")
    compound_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    provider_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    coverage_period_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    standard_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    basis: Mapped[str] = mapped_column(String(20), default="")
    rate_fen: Mapped[int] = mapped_column(FEN, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    area_m2: Mapped[int] = mapped_column(Integer, default=0)
    covered_days: Mapped[int] = mapped_column(Integer, default=0)
    days_in_month: Mapped[int] = mapped_column(Integer, default=0)
    base_fen: Mapped[int] = mapped_column(FEN, default=0)
    assessment_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    score_raw: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rounding: Mapped[str] = mapped_column(String(16), default="")
    tier_ratio: Mapped[int] = mapped_column(Integer, default=10000)
    amount_fen: Mapped[int] = mapped_column(FEN, default=0)
    reverses_entry_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    reversed_kind: Mapped[str | None] = mapped_column(String(12), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    flagged: Mapped[bool] = mapped_column(default=False)  # < 60: 公示
    voucher_no: Mapped[str] = mapped_column(String(40), default="")
    approved_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str] = mapped_column(String(64))


class SubsidyStep(TenantScoped, db.Model):
    """A review (社区审核) or an approval (街道审批) of one accrual line: written once, never changed."""

    __tablename__ = "property__subsidy_step"
    __table_args__ = tenant_table_args(
        tenant_fk("entry_id", "property__subsidy_entry"),
        UniqueConstraint("tenant_id", "entry_id", "step"))

    entry_id: Mapped[int] = mapped_column(BigId)
    step: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    at: Mapped[datetime] = mapped_column(default=utc_default)
    note: Mapped[str] = mapped_column(String(200), default="")
