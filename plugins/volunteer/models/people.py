"""Volunteers (one per person and tenant), teams and their membership history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

KINDS = {"resident": "群众", "league_member": "团员", "in_service_member": "在职党员", "retired_member": "退休党员",
         "student": "学生", "veteran": "退役军人"}
ROLES = {"policy_publicist": "政策宣传员", "opinion_courier": "民情速递员", "mediator": "矛盾调解员"}
CONSENTS = {"masked": "姓名打码公示", "full_name": "公示全名", "hidden": "不公示"}
TEAM_TYPES = {"party_member": "党员志愿服务队", "league": "团员志愿服务队", "masses": "群众志愿服务队",
              "unit": "驻区单位志愿服务队", "mixed": "综合志愿服务队"}


class Volunteer(TenantScoped, db.Model):
    """A person of the registry who serves; ``org_unit_id`` is the community that keeps the record."""

    __tablename__ = "volunteer__profile"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "person_id", name="uq_volunteer__profile_tenant_id_person_id"),
        tenant_fk("person_id", "person"), tenant_fk("org_unit_id", "org_unit"),
        tenant_fk("employer_party_org_id", "party_org"),
        Index("ix_volunteer__profile_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
        Index("ix_volunteer__profile_tenant_id_user_id", "tenant_id", "user_id"))

    person_id: Mapped[int] = mapped_column(BigId)
    #: the volunteer's own sign-in account, when they have one (nobody approves their own hours)
    user_id: Mapped[int | None] = mapped_column(BigId)
    org_unit_id: Mapped[int] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(64))
    kinds: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(8), default="active")
    employer_party_org_id: Mapped[int | None] = mapped_column(BigId)
    employer: Mapped[str | None] = mapped_column(String(100))
    registered_on: Mapped[date | None] = mapped_column(Date)
    #: {"mediator": "2025-03-01"}: each of the three roles with the day it was certified
    three_roles: Mapped[dict] = mapped_column(default=dict)
    board_consent: Mapped[str] = mapped_column(String(12), default="masked")
    minor: Mapped[bool] = mapped_column(default=False)
    guardian_consent_at: Mapped[datetime | None]
    national_system_id: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(default=utc_default)


class Team(TenantScoped, db.Model):
    """A volunteer team (队伍) of a community."""

    __tablename__ = "volunteer__team"
    __table_args__ = tenant_table_args(
        tenant_fk("org_unit_id", "org_unit"), tenant_fk("leader_id", "volunteer__profile"),
        Index("ix_volunteer__team_tenant_id_org_unit_id", "tenant_id", "org_unit_id"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))
    host_unit: Mapped[str | None] = mapped_column(String(100))
    leader_id: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(8), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class TeamMember(TenantScoped, db.Model):
    """Membership history: a row per stay in a team."""

    __tablename__ = "volunteer__member"
    __table_args__ = tenant_table_args(
        tenant_fk("team_id", "volunteer__team"), tenant_fk("volunteer_id", "volunteer__profile"),
        Index("ix_volunteer__member_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
        Index("ix_volunteer__member_tenant_id_team_id", "tenant_id", "team_id"))

    team_id: Mapped[int] = mapped_column(BigId)
    volunteer_id: Mapped[int] = mapped_column(BigId)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
