"""Service posts (岗位) and the claims on them (认领)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

POST_KINDS = {"resident_service": "为民服务岗位", "volunteer": "志愿服务岗位", "public_welfare": "公益岗位"}
CLAIM_STATES = {"pending": "待确认", "active": "在岗", "rejected": "未通过", "withdrawn": "已退出",
                "revoked": "已撤销", "completed": "期满"}
OPEN_CLAIM = ("pending", "active")


class ServicePost(TenantScoped, db.Model):
    """A post a community publishes; ``active_claims`` never passes ``capacity`` (a CHECK and a
    conditional update)."""

    __tablename__ = "volunteer__post"
    __table_args__ = tenant_table_args(
        CheckConstraint("active_claims >= 0 AND active_claims <= capacity",
                        name="seats"),
        tenant_fk("org_unit_id", "org_unit"),
        Index("ix_volunteer__post_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
        Index("ix_volunteer__post_tenant_id_kind_status", "tenant_id", "kind", "status"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(100), default="")
    claimant_type: Mapped[str] = mapped_column(String(8), default="person")
    capacity: Mapped[int] = mapped_column(default=1)
    active_claims: Mapped[int] = mapped_column(default=0)
    required_role: Mapped[str | None] = mapped_column(String(20))
    requires_review: Mapped[bool] = mapped_column(default=True)
    term_months: Mapped[int] = mapped_column(default=12)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class PostClaim(TenantScoped, db.Model):
    """One claim of a post by a volunteer or a team; at most one open claim per (post, claimant)."""

    __tablename__ = "volunteer__claim"
    __table_args__ = tenant_table_args(
        tenant_fk("post_id", "volunteer__post"), tenant_fk("volunteer_id", "volunteer__profile"),
        tenant_fk("team_id", "volunteer__team"),
        Index("uq_volunteer__claim_open", "tenant_id", "post_id", "claimant_key", unique=True,
              sqlite_where=text("state IN ('pending', 'active')"),
              postgresql_where=text("state IN ('pending', 'active')")),
        Index("ix_volunteer__claim_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
        Index("ix_volunteer__claim_tenant_id_team_id", "tenant_id", "team_id"),
        Index("ix_volunteer__claim_tenant_id_state", "tenant_id", "state"))

    post_id: Mapped[int] = mapped_column(BigId)
    claimant_type: Mapped[str] = mapped_column(String(8), default="person")
    volunteer_id: Mapped[int | None] = mapped_column(BigId)
    team_id: Mapped[int | None] = mapped_column(BigId)
    #: "v<id>" or "t<id>": one column for the unique index over both kinds of claimant
    claimant_key: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    claimed_at: Mapped[datetime] = mapped_column(default=utc_default)
    claimed_by: Mapped[int | None] = mapped_column(BigId)
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None]
    term_end: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))
    dormant: Mapped[bool] = mapped_column(default=False)
