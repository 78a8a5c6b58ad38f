"""The registry: compound profiles on core's compound units, property companies and their staff,
coverage periods (never overlapping for one compound) and owners' / management committees."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default

COMPOUND_TYPES = ("商品房", "老旧小区", "安置房", "房改房", "其他")
PARTY_ORG_TYPES = ("小区党支部", "联合党支部", "功能型党小组", "none")
COMPANY_KINDS = ("market", "soe_fallback", "public_welfare", "community_quasi")
FALLBACK_KINDS = ("soe_fallback", "public_welfare", "community_quasi")
MODES = ("professional", "fallback", "self_governed", "none")
BODY_KINDS = ("owners_committee", "management_committee")


class CompoundProfile(TenantScoped, db.Model):
    """What this module knows of a compound (小区), a core org unit of kind ``compound``."""

    __tablename__ = "property__compound_profile"
    __table_args__ = tenant_table_args(tenant_fk("compound_id", "org_unit"), UniqueConstraint("tenant_id", "compound_id"))

    compound_id: Mapped[int] = mapped_column(BigId)
    type: Mapped[str] = mapped_column(String(8), default="商品房")
    households: Mapped[int] = mapped_column(Integer, default=0)
    area_m2: Mapped[int] = mapped_column(Integer, default=0)
    build_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    party_org_type: Mapped[str] = mapped_column(String(12), default="none")
    red_property: Mapped[bool] = mapped_column(Boolean, default=False)
    hints: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utc_default)


class PropertyCompany(TenantScoped, db.Model):
    """A property company of one of the four kinds; ``credit_history`` keeps each grade with its date."""

    __tablename__ = "property__company"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "uscc"))

    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(16), default="market")
    contact: Mapped[str] = mapped_column(String(100), default="")
    has_party_org: Mapped[bool] = mapped_column(Boolean, default=False)
    party_member_staff: Mapped[int] = mapped_column(Integer, default=0)
    credit_grade: Mapped[str] = mapped_column(String(4), default="")
    credit_history: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="active")


class CompanyStaff(TenantScoped, db.Model):
    """An account employed by a company (full or part time): it sees only the company's compounds,
    and may never check the company's work for the grid."""

    __tablename__ = "property__company_staff"
    __table_args__ = tenant_table_args(tenant_fk("company_id", "property__company"),
                                       UniqueConstraint("tenant_id", "company_id", "user_id"),
                                       Index("ix_property__company_staff_tenant_id_user_id", "tenant_id", "user_id"))

    company_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(BigId)
    title: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class CoveragePeriod(TenantScoped, db.Model):
    """Who serves a compound from ``starts_on`` to ``ends_on`` (inclusive; None: open-ended).

    Periods of one compound never overlap: PostgreSQL refuses it with an exclusion constraint
    (btree_gist over ``daterange``), and the service checks under the write lock on both."""

    __tablename__ = "property__coverage_period"
    __table_args__ = tenant_table_args(
        tenant_fk("compound_id", "org_unit"), tenant_fk("provider_id", "property__company"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
        Index("ix_property__coverage_period_tenant_id_compound_id_starts_on", "tenant_id", "compound_id",
              "starts_on"))

    compound_id: Mapped[int] = mapped_column(BigId)
    mode: Mapped[str] = mapped_column(String(16), default="professional")
    provider_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    contract_no: Mapped[str] = mapped_column(String(40), default="")
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column(nullable=True)
    fee_standard: Mapped[str] = mapped_column(String(60), default="")
    households_covered: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    alerts_sent: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class CoverageGap(TenantScoped, db.Model):
    """A day on which a compound had no coverage began: opened once, closed by the next period."""

    __tablename__ = "property__coverage_gap"
    __table_args__ = tenant_table_args(tenant_fk("compound_id", "org_unit"),
                                       UniqueConstraint("tenant_id", "compound_id", "opened_on"))

    compound_id: Mapped[int] = mapped_column(BigId)
    opened_on: Mapped[date] = mapped_column()
    closed_on: Mapped[date | None] = mapped_column(nullable=True)


class GovernanceBody(TenantScoped, db.Model):
    """An owners' committee (业委会) or a property-management committee (物管会) of a compound."""

    __tablename__ = "property__governance_body"
    __table_args__ = tenant_table_args(tenant_fk("compound_id", "org_unit"),
                                       Index("ix_property__governance_body_tenant_id_compound_id",
                                             "tenant_id", "compound_id"))

    compound_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(24), default="owners_committee")
    members: Mapped[list] = mapped_column(JSON, default=list)  # [{"name": …, "party_member": bool}]
    term_start: Mapped[date] = mapped_column()
    term_end: Mapped[date] = mapped_column()
    filing_status: Mapped[str] = mapped_column(String(12), default="filed")  # filed | pending | none
    status: Mapped[str] = mapped_column(String(12), default="active")
    alerts_sent: Mapped[list] = mapped_column(JSON, default=list)
