"""Stations, members, co-building units, covenants, quarterly cycles, the three lists and their claims."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, db, tenant_fk, tenant_table_args, TenantScoped, utc_default

DEFAULT_NAME = "“谢家集先锋”党群议事站"


class Station(TenantScoped, db.Model):
    """A discussion station: the street's 大工委 or a community's 大党委 (spec §2)."""

    __tablename__ = "discussion__station"
    __table_args__ = tenant_table_args(tenant_fk("org_unit_id", "org_unit"),
                                       Index("ix_discussion__station_tenant_id_org_unit_id", "tenant_id", "org_unit_id"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    level: Mapped[str] = mapped_column(String(12), default="community")  # street | community
    display_name: Mapped[str] = mapped_column(String(100), default=DEFAULT_NAME)
    quorum_fraction: Mapped[float] = mapped_column(Float, default=0.5)
    quorum_min: Mapped[int] = mapped_column(Integer, default=3)
    pass_rule: Mapped[str] = mapped_column(String(24), default="majority_of_present")
    publicity_days: Mapped[int] = mapped_column(Integer, default=7)
    decision_publicity: Mapped[bool] = mapped_column(Boolean, default=False)
    support_freeze_n: Mapped[int] = mapped_column(Integer, default=10)
    min_meetings_per_quarter: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="active")


class Unit(TenantScoped, db.Model):
    """A co-building unit (驻区单位), extending core's resident unit; reports count distinct uscc."""

    __tablename__ = "discussion__unit"
    __table_args__ = tenant_table_args(tenant_fk("resident_unit_id", "resident_unit"),
                                       UniqueConstraint("tenant_id", "uscc"))

    resident_unit_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18))
    type: Mapped[str] = mapped_column(String(12), default="企业")
    party_org_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact_enc: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="active")


class Member(TenantScoped, db.Model):
    """A station member with effective dates; history is kept (a member leaves by ``valid_to``)."""

    __tablename__ = "discussion__member"
    __table_args__ = tenant_table_args(tenant_fk("station_id", "discussion__station"),
                                       tenant_fk("person_id", "person"), tenant_fk("unit_id", "discussion__unit"),
                                       Index("ix_discussion__member_tenant_id_station_id", "tenant_id", "station_id"))

    station_id: Mapped[int] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    unit_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    voting: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(nullable=True)
    valid_to: Mapped[date | None] = mapped_column(nullable=True)


class Covenant(TenantScoped, db.Model):
    """A co-building covenant (共建协议) of a unit with communities, alerted 30 days before its end."""

    __tablename__ = "discussion__covenant"
    __table_args__ = tenant_table_args(tenant_fk("unit_id", "discussion__unit"))

    unit_id: Mapped[int] = mapped_column(BigId)
    org_unit_ids: Mapped[list] = mapped_column(JSON, default=list)
    term_start: Mapped[date | None] = mapped_column(nullable=True)
    term_end: Mapped[date | None] = mapped_column(nullable=True)
    commitments: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[date | None] = mapped_column(nullable=True)
    alerted_on: Mapped[date | None] = mapped_column(nullable=True)


class Cycle(TenantScoped, db.Model):
    """A station's quarter: collecting → claiming → review_meeting → implementing → publicizing → archived."""

    __tablename__ = "discussion__cycle"
    __table_args__ = tenant_table_args(tenant_fk("station_id", "discussion__station"),
                                       UniqueConstraint("tenant_id", "station_id", "year", "quarter"))

    station_id: Mapped[int] = mapped_column(BigId)
    year: Mapped[int] = mapped_column(Integer, default=2026)
    quarter: Mapped[int] = mapped_column(Integer, default=1)
    phase: Mapped[str] = mapped_column(String(16), default="collecting")
    phase_dates: Mapped[dict] = mapped_column(JSON, default=dict)
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Item(TenantScoped, db.Model):
    """An entry of one of the three lists (需求/资源/项目清单). ``claimed`` is the Σ of binding claims."""

    __tablename__ = "discussion__item"
    __table_args__ = tenant_table_args(
        tenant_fk("cycle_id", "discussion__cycle"), tenant_fk("carried_from_id", "discussion__item"),
        CheckConstraint("claimed >= 0 AND claimed <= quantity", name="ck_discussion__item_claimed"),
        Index("ix_discussion__item_tenant_id_cycle_id_kind", "tenant_id", "cycle_id", "kind"))

    cycle_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(10), default="demand")  # demand | resource | project
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default="共建深化")
    owner_type: Mapped[str] = mapped_column(String(16), default="community")  # community | unit | resident_group
    owner_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    unit_of_measure: Mapped[str] = mapped_column(String(12), default="项")
    location: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="published")
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    carried_from_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Claim(TenantScoped, db.Model):
    """A claim on an item, in either direction (双向认领): a unit serves a demand or uses a resource."""

    __tablename__ = "discussion__claim"
    __table_args__ = tenant_table_args(
        tenant_fk("item_id", "discussion__item"), tenant_fk("resource_item_id", "discussion__item"),
        tenant_fk("claimant_unit_id", "discussion__unit"),
        CheckConstraint("quantity > 0", name="ck_discussion__claim_quantity"),
        Index("ix_discussion__claim_tenant_id_item_id_state", "tenant_id", "item_id", "state"))

    item_id: Mapped[int] = mapped_column(BigId)
    claimant_type: Mapped[str] = mapped_column(String(16), default="unit")  # unit | community
    claimant_unit_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    claimant_org_unit_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    claimant_name: Mapped[str] = mapped_column(String(100), default="")
    direction: Mapped[str] = mapped_column(String(8), default="serve")  # serve (a demand) | use (a resource)
    resource_item_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12), default="proposed")
    plan: Mapped[str] = mapped_column(Text, default="")
    committed_on: Mapped[date | None] = mapped_column(nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    verified_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Rollover(TenantScoped, db.Model):
    """One roll-over step: what moved from a closing cycle to the next (spec §4.6)."""

    __tablename__ = "discussion__rollover"
    __table_args__ = tenant_table_args(tenant_fk("from_cycle_id", "discussion__cycle"),
                                       tenant_fk("to_cycle_id", "discussion__cycle"))

    from_cycle_id: Mapped[int] = mapped_column(BigId)
    to_cycle_id: Mapped[int] = mapped_column(BigId)
    matter_ids: Mapped[list] = mapped_column(JSON, default=list)
    item_ids: Mapped[list] = mapped_column(JSON, default=list)
    by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    at: Mapped[datetime] = mapped_column(default=utc_default)


class Proxy(TenantScoped, db.Model):
    """Staff acting for a resident who came in person: a reason, a 30-minute window, the matters raised in it."""

    __tablename__ = "discussion__proxy"
    __table_args__ = tenant_table_args(tenant_fk("station_id", "discussion__station"),
                                       Index("ix_discussion__proxy_tenant_id_staff_id_started_at", "tenant_id",
                                             "staff_id", "started_at"))

    station_id: Mapped[int] = mapped_column(BigId)
    staff_id: Mapped[int] = mapped_column(BigId)
    resident_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utc_default)
    ends_at: Mapped[datetime] = mapped_column(default=utc_default)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    matter_ids: Mapped[list] = mapped_column(JSON, default=list)
