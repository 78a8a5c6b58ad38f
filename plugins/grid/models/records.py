"""Service records kept beside events: proxy services (代办), mediation cases and care visits."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

PROXY_STATUSES = {"in_progress": _l("办理中"), "done": _l("已办结"), "returned": _l("已退还居民")}


ACK_METHODS = {"paper": _l("纸质签字"), "phone": _l("电话确认")}


PARTY_ROLES = {"applicant": _l("申请人"), "respondent": _l("被申请人"), "other": _l("其他当事人")}


FOLLOW_UP_DAYS = (7, 30)


CARE_TYPES = {"alone_elderly": _l("独居老人"), "disabled": _l("残疾"), "hardship": _l("困难家庭"), "other": _l("其他")}


#: why someone opens the care list; each view is audited with its code
VIEW_REASONS = {"visit": _l("安排上门走访"), "help": _l("跟进求助事项"), "supervision": _l("上级督导检查"),
                "verify": _l("核对基础信息")}


class ProxyService(TenantScoped, db.Model):
    """What grid staff handle for a resident (代办): items, documents taken in and handed back, and the
    resident's acknowledgement. ``version`` guards two people updating it at once."""

    __tablename__ = "grid__proxy_service"
    __table_args__ = tenant_table_args(
        tenant_fk("log_id", "grid__service_log"), tenant_fk("grid_id", "org_unit"),
        Index("ix_grid__proxy_service_tenant_id_grid_id_status", "tenant_id", "grid_id", "status"),
        Index("ix_grid__proxy_service_tenant_id_created_at", "tenant_id", "created_at"))
    #: the resident's name on the acknowledgement is personal data
    __pii__ = ("ack_name",)

    #: the 代办 service log this record belongs to
    log_id: Mapped[int] = mapped_column(BigId)
    grid_id: Mapped[int] = mapped_column(BigId)
    items: Mapped[str] = mapped_column(Text)
    docs_in: Mapped[str] = mapped_column(Text, default="")
    docs_in_on: Mapped[date | None]
    docs_out: Mapped[str] = mapped_column(Text, default="")
    docs_out_on: Mapped[date | None]
    ack_name: Mapped[str | None] = mapped_column(String(64))
    ack_at: Mapped[datetime | None]
    ack_method: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    version: Mapped[int] = mapped_column(Integer, default=1)


class MediationCase(TenantScoped, db.Model):
    """A dispute mediated by grid staff (调解): parties, the agreement, follow-ups due 7 and 30 calendar
    days after it, or the hand-off to the people's mediation committee (人民调解委员会)."""

    __tablename__ = "grid__mediation_case"
    __table_args__ = tenant_table_args(
        tenant_fk("grid_id", "org_unit"), tenant_fk("log_id", "grid__service_log"),
        tenant_fk("event_id", "grid__event"),
        Index("ix_grid__mediation_case_tenant_id_grid_id_created_at", "tenant_id", "grid_id", "created_at"),
        Index("ix_grid__mediation_case_tenant_id_agreement_on", "tenant_id", "agreement_on"))
    #: parties' names and phones are personal data: masked unless grid.identity.reveal
    __pii__ = ("parties",)

    grid_id: Mapped[int] = mapped_column(BigId)
    #: opened from a 调解 service log, or from a dispute event
    log_id: Mapped[int | None] = mapped_column(BigId)
    event_id: Mapped[int | None] = mapped_column(BigId)
    title: Mapped[str] = mapped_column(String(100))
    #: [{"name": "张三", "role": "applicant", "phone": "138…"}]
    parties: Mapped[list] = mapped_column(default=list)
    agreement_text: Mapped[str | None] = mapped_column(Text)
    agreement_on: Mapped[date | None]
    handoff_on: Mapped[date | None]
    handoff_reason: Mapped[str | None] = mapped_column(Text)
    #: the user who follows the case up and receives its reminders
    responsible_id: Mapped[int | None] = mapped_column(BigId)
    #: follow-up days already reminded (7, 30): each reminder is sent once
    reminded: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    version: Mapped[int] = mapped_column(Integer, default=1)


class MediationLog(TenantScoped, db.Model):
    """A mediation meeting or a follow-up result. Append-only: entries are added, never edited."""

    __tablename__ = "grid__mediation_log"
    __table_args__ = tenant_table_args(tenant_fk("case_id", "grid__mediation_case"),
                                       Index("ix_grid__mediation_log_tenant_id_case_id_id", "tenant_id", "case_id", "id"))

    case_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))  # meeting | follow_up
    held_on: Mapped[date]
    place: Mapped[str | None] = mapped_column(String(100))
    mediators: Mapped[str | None] = mapped_column(String(200))
    #: for a follow-up: which one (7 or 30 days after the agreement)
    follow_up_day: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class VisitPlan(TenantScoped, db.Model):
    """A household on the care list (关爱走访): who is visited how often. Sensitive: the list is seen
    only with a reason, and every view is audited."""

    __tablename__ = "grid__visit_plan"
    __table_args__ = tenant_table_args(
        tenant_fk("household_id", "org_unit"), tenant_fk("grid_id", "org_unit"),
        UniqueConstraint("tenant_id", "household_id", "care_type"),
        Index("ix_grid__visit_plan_tenant_id_grid_id_next_due", "tenant_id", "grid_id", "next_due"),
        Index("ix_grid__visit_plan_tenant_id_next_due", "tenant_id", "next_due"))

    household_id: Mapped[int] = mapped_column(BigId)
    grid_id: Mapped[int] = mapped_column(BigId)
    care_type: Mapped[str] = mapped_column(String(16))
    cadence_days: Mapped[int] = mapped_column(Integer)
    next_due: Mapped[date]
    last_visit_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(200), default="")
    #: the last due date whose reminder was sent, so a reminder goes out once per due date
    reminded_for: Mapped[date | None]
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
