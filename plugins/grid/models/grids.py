"""Grids and the people on them: boundary versions, staffing, service logs, patrols, duty, emergency mode, frozen statistics."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

PRIORITY = {"exclusive": 20, "residential": 10}


CHANGES = {"draw": _l("绘制边界"), "redraw": _l("调整边界"), "split": _l("拆分"), "merge": _l("合并")}


class GridProfile(TenantScoped, db.Model):
    """One version of a grid's boundary (网格档案). Redrawing, splitting or merging adds versions and
    closes the old ones, so history stays; the current version is the one with ``valid_to`` NULL."""

    __tablename__ = "grid__profile"
    __table_args__ = tenant_table_args(
        tenant_fk("grid_id", "org_unit"),
        Index("ix_grid__profile_tenant_id_grid_id_version_no", "tenant_id", "grid_id", "version_no"),
        Index("ix_grid__profile_tenant_id_valid_to_west", "tenant_id", "valid_to", "west"),
        # one current version per grid, whatever two people do at once
        Index("uq_grid__profile_tenant_id_grid_id_current", "tenant_id", "grid_id", unique=True,
              sqlite_where=text("valid_to IS NULL"), postgresql_where=text("valid_to IS NULL")))

    grid_id: Mapped[int] = mapped_column(BigId)
    version_no: Mapped[int] = mapped_column(Integer)
    #: GeoJSON Polygon, [lon, lat] positions
    boundary: Mapped[dict] = mapped_column(default=dict)
    #: bounding box of the boundary, for an indexed first cut before point-in-polygon
    west: Mapped[float] = mapped_column(Float)
    south: Mapped[float] = mapped_column(Float)
    east: Mapped[float] = mapped_column(Float)
    north: Mapped[float] = mapped_column(Float)
    households_est: Mapped[int | None] = mapped_column(Integer)
    #: exclusive 20, residential 10: where grids overlap, the higher one takes the point
    priority: Mapped[int] = mapped_column(Integer, default=10)
    change: Mapped[str] = mapped_column(String(16), default="draw")
    #: ids of the versions this one replaces (one for a redraw or split, two for a merge)
    supersedes: Mapped[list] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[datetime] = mapped_column(default=utc_default)
    valid_to: Mapped[datetime | None]
    actor_id: Mapped[int | None] = mapped_column(BigId)


SERVICE_TYPES = {
    "POLICY": _l("宣传政策法规"), "INFO": _l("采集基础信息"), "OPINION": _l("收集民情民意"), "PROXY": _l("代办便民服务"),
    "ORDER": _l("协助综治维稳"), "MEDIATION": _l("调解矛盾纠纷"), "URBAN": _l("协管城市管理"), "SUPERVISE": _l("督导事件处理"),
}


SERVICE_FORMS = {"home_visit": _l("入户走访"), "phone": _l("电话"), "online": _l("线上"), "desk": _l("窗口接待"), "patrol": _l("巡查"),
                 "meeting": _l("会议")}


ASSIGNMENT_ROLES = {"grid_leader": _l("网格长"), "full_time": _l("专职网格员"), "part_time": _l("兼职网格员"),
                    "instructor": _l("网格指导员"), "building_leader": _l("楼栋长"), "exclusive_worker": _l("专属网格员"),
                    "enforcement_liaison": _l("执法联络员")}


class Assignment(TenantScoped, db.Model):
    """Who works on a grid, in which role, from when to when; ended rows are the history."""

    __tablename__ = "grid__assignment"
    __table_args__ = tenant_table_args(
        tenant_fk("grid_id", "org_unit"), tenant_fk("person_id", "person"),
        Index("ix_grid__assignment_tenant_id_grid_id_valid_to", "tenant_id", "grid_id", "valid_to"),
        # exactly one active grid leader per grid, whatever two admins do at once
        Index("uq_grid__assignment_tenant_id_grid_id_leader", "tenant_id", "grid_id", unique=True,
              sqlite_where=text("role = 'grid_leader' AND valid_to IS NULL"),
              postgresql_where=text("role = 'grid_leader' AND valid_to IS NULL")))

    grid_id: Mapped[int] = mapped_column(BigId)
    person_id: Mapped[int] = mapped_column(BigId)
    role: Mapped[str] = mapped_column(String(24))
    agency: Mapped[str | None] = mapped_column(String(32))
    valid_from: Mapped[datetime] = mapped_column(default=utc_default)
    valid_to: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(BigId)


class ServiceLog(TenantScoped, db.Model):
    """One act of service by grid staff, typed by the eight service contents (网格服务八个方面)."""

    __tablename__ = "grid__service_log"
    __table_args__ = tenant_table_args(tenant_fk("grid_id", "org_unit"), tenant_fk("event_id", "grid__event"),
                                       tenant_fk("household_id", "org_unit"),
                                       Index("ix_grid__service_log_tenant_id_grid_id_occurred_at", "tenant_id", "grid_id",
                                             "occurred_at"),
                                       Index("ix_grid__service_log_tenant_id_event_id", "tenant_id", "event_id"))

    grid_id: Mapped[int] = mapped_column(BigId)
    service_type: Mapped[str] = mapped_column(String(16))
    form: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(default=utc_default)
    summary: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    #: the event this log was converted into (转为事件), once
    event_id: Mapped[int | None] = mapped_column(BigId)
    #: the household served, when there is one: a home visit to it moves its care visit plan on
    household_id: Mapped[int | None] = mapped_column(BigId)


class Patrol(TenantScoped, db.Model):
    """A patrol of a grid: its time span and findings, never a location track."""

    __tablename__ = "grid__patrol"
    __table_args__ = tenant_table_args(tenant_fk("grid_id", "org_unit"), tenant_fk("event_id", "grid__event"),
                                       Index("ix_grid__patrol_tenant_id_grid_id_started_at", "tenant_id", "grid_id",
                                             "started_at"),
                                       Index("ix_grid__patrol_tenant_id_event_id", "tenant_id", "event_id"))

    grid_id: Mapped[int] = mapped_column(BigId)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    findings: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(BigId)
    #: route notes, kept only while a named emergency mode runs, and purged after its retention
    route: Mapped[str | None] = mapped_column(Text)
    emergency_id: Mapped[int | None] = mapped_column(BigId)
    #: the event a finding was converted into (转为事件), once
    event_id: Mapped[int | None] = mapped_column(BigId)


class KpiSnapshot(TenantScoped, db.Model):
    """A month's figure, frozen one working day after the month ends; changed only by a restatement
    (a new row pointing at the one it replaces, with the reason)."""

    __tablename__ = "grid__kpi_snapshot"
    __table_args__ = tenant_table_args(tenant_fk("restates_id", "grid__kpi_snapshot"),
                                       Index("ix_grid__kpi_snapshot_tenant_id_period_metric", "tenant_id", "period", "metric"))

    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    metric: Mapped[str] = mapped_column(String(24))
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    frozen_at: Mapped[datetime] = mapped_column(default=utc_default)
    restates_id: Mapped[int | None] = mapped_column(BigId)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(BigId)


class EmergencyMode(TenantScoped, db.Model):
    """A named, approved, time-boxed emergency (安保/应急): the only time patrol routes are recorded."""

    __tablename__ = "grid__emergency_mode"
    __table_args__ = tenant_table_args(Index("ix_grid__emergency_mode_tenant_id_ends_at", "tenant_id", "ends_at"))

    task_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    grid_ids: Mapped[list] = mapped_column(default=list)
    starts_at: Mapped[datetime] = mapped_column(default=utc_default)
    ends_at: Mapped[datetime]
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    approved_by: Mapped[int | None] = mapped_column(BigId)
    purged_at: Mapped[datetime | None]


SHIFTS = {"day": _l("白班"), "night": _l("夜班")}


class Duty(TenantScoped, db.Model):
    """Who is on duty (值班) for a street or community on a day, so that 24-hour intake has a name
    behind it. One person holds a unit's shift once."""

    __tablename__ = "grid__duty"
    __table_args__ = tenant_table_args(
        tenant_fk("org_unit_id", "org_unit"), tenant_fk("person_id", "person"),
        UniqueConstraint("tenant_id", "org_unit_id", "duty_date", "shift", "person_id",
                         name="uq_grid__duty_tenant_id_org_unit_id_duty_date_shift_person_id"),
        Index("ix_grid__duty_tenant_id_duty_date_org_unit_id", "tenant_id", "duty_date", "org_unit_id"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    duty_date: Mapped[date]
    shift: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[int] = mapped_column(BigId)
    #: the person's sign-in account, when they have one: a CRITICAL event alerts it while the shift runs
    account_id: Mapped[int | None] = mapped_column(BigId)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


#: the 减负 rules (docs/grid.md §10) a staff member may report as broken
BURDEN_RULES = {"checkin": _l("强制打卡"), "online_time": _l("考核在线时长"), "ranking": _l("按积分或活跃度排名"),
                "photos": _l("要求不必要的拍照留痕"), "tracking": _l("应急模式之外记录位置轨迹"),
                "read_receipt": _l("用已读回执考核"), "forms": _l("重复填表报数"), "other": _l("其他形式主义做法")}


class BurdenReport(TenantScoped, db.Model):
    """投诉建议 (docs/grid.md §10): a staff member reports a 减负 rule being broken. Read by the street's
    discipline contact (grid.burden.review), who answers; the writer may stay anonymous to them."""

    __tablename__ = "grid__burden_report"
    __table_args__ = tenant_table_args(
        tenant_fk("org_unit_id", "org_unit"),
        Index("ix_grid__burden_report_tenant_id_created_at", "tenant_id", "created_at"))

    rule: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    #: where it happens (a community or grid), when the writer says
    org_unit_id: Mapped[int | None] = mapped_column(BigId)
    anonymous: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(BigId)
    answered_at: Mapped[datetime | None]
