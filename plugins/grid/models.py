"""Grid tables: categories, events and their timeline. Every one is a tenant table named grid__*."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, clock, db, tenant_fk, tenant_table_args, TenantScoped, utc_default

#: grid.md §3 T1: a report captured offline more than this long before it arrived is flagged
DEVICE_TIME_TOLERANCE = timedelta(hours=24)


class Category(TenantScoped, db.Model):
    """An event category with its bucket and time limit, copied from the template on enable."""

    __tablename__ = "grid__category"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "code"))

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str] = mapped_column(String(16))
    limit_value: Mapped[int] = mapped_column(Integer)
    limit_unit: Mapped[str] = mapped_column(String(16))
    grid_solvable: Mapped[bool] = mapped_column(Boolean, default=False)
    self_handle_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    default_level: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: open reports of this category nearer than this are likely the same problem (§9)
    dup_radius_m: Mapped[int] = mapped_column(Integer, default=50)


class GridEvent(TenantScoped, db.Model):
    """A grid event (网格事件) from report to closure. ``version`` guards against two people acting at once."""

    __tablename__ = "grid__event"
    __table_args__ = tenant_table_args(
        tenant_fk("category_id", "grid__category"), tenant_fk("grid_id", "org_unit"),
        tenant_fk("handler_unit_id", "org_unit"), tenant_fk("master_id", "grid__event"),
        tenant_fk("grid_version", "grid__profile"),
        UniqueConstraint("tenant_id", "ref_no"),
        Index("ix_grid__event_tenant_id_category_id_created_at", "tenant_id", "category_id", "created_at"),
        Index("ix_grid__event_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        Index("ix_grid__event_tenant_id_state_stage_deadline", "tenant_id", "state", "stage_deadline"),
        Index("ix_grid__event_tenant_id_closed_at", "tenant_id", "closed_at"),
    )
    #: reporter contact is personal data: masked unless grid.identity.reveal
    __pii__ = ("reporter_name", "reporter_phone")

    ref_no: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(BigId)
    urgency: Mapped[str] = mapped_column(String(10), default="NORMAL")
    level: Mapped[int] = mapped_column(Integer, default=0)
    max_level: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="GRID_PATROL")
    reporter_name: Mapped[str | None] = mapped_column(String(64))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    anonymity: Mapped[str] = mapped_column(String(16), default="named")  # named | handler_anon | public_anon
    grid_id: Mapped[int | None] = mapped_column(BigId)
    #: the grid__profile row (boundary version) the event was reported under; kept when grids are redrawn
    grid_version: Mapped[int | None] = mapped_column(BigId)
    #: where it is, WGS-84 degrees, when the reporter gave a point
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    handler_unit_id: Mapped[int | None] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(20), default="SUBMITTED")
    rework_n: Mapped[int] = mapped_column(Integer, default=0)
    return_n: Mapped[int] = mapped_column(Integer, default=0)
    reopen_n: Mapped[int] = mapped_column(Integer, default=0)
    extension_n: Mapped[int] = mapped_column(Integer, default=0)
    check_n: Mapped[int] = mapped_column(Integer, default=0)
    demand_n: Mapped[int] = mapped_column(Integer, default=1)
    stage: Mapped[str] = mapped_column(String(16), default="accept")
    stage_deadline: Mapped[datetime | None]
    case_deadline: Mapped[datetime | None]
    deadline_explain: Mapped[dict] = mapped_column(default=dict)
    calendar_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    suspended_remaining_s: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(BigId)
    closed_at: Mapped[datetime | None]
    closure_type: Mapped[str | None] = mapped_column(String(24))
    callback_result: Mapped[str | None] = mapped_column(String(16))
    case_on_time: Mapped[bool | None] = mapped_column(Boolean)
    suspended_at_deadline: Mapped[bool] = mapped_column(Boolean, default=False)
    master_id: Mapped[int | None] = mapped_column(BigId)
    #: a mass incident (停水、停电 …) until this time: new reports of its category in its grid join it
    incident_until: Mapped[datetime | None]
    #: what keeps a hotspot coming back (主动治理 tasks only), filled in by staff
    root_cause: Mapped[str | None] = mapped_column(Text)
    #: a self-handled closure (T5) drawn for the grid leader's sample re-check: due, passed or failed
    recheck: Mapped[str | None] = mapped_column(String(8))
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    #: when the reporter's device captured the report (an offline draft sent later); clocks still start at created_at
    device_captured_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def device_time_suspect(self) -> bool:
        """T1: a device time more than 24 h before the server received it is flagged, not trusted."""
        if self.device_captured_at is None or self.created_at is None:
            return False
        return clock.aware(self.created_at) - clock.aware(self.device_captured_at) > DEVICE_TIME_TOLERANCE


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


class Transition(TenantScoped, db.Model):
    """One step of an event's life: who moved it from which state to which, when and why. Append-only."""

    __tablename__ = "grid__event_transition"
    __table_args__ = tenant_table_args(tenant_fk("event_id", "grid__event"),
                                       Index("ix_grid__event_transition_tenant_id_event_id_id", "tenant_id", "event_id", "id"))

    event_id: Mapped[int] = mapped_column(BigId)
    code: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utc_default)
    payload: Mapped[dict] = mapped_column(default=dict)


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


class Photo(TenantScoped, db.Model):
    """A photo attached to an event, stored re-encoded under the tenant's folder with a random name."""

    __tablename__ = "grid__photo"
    __table_args__ = tenant_table_args(tenant_fk("event_id", "grid__event"),
                                       Index("ix_grid__photo_tenant_id_event_id", "tenant_id", "event_id"))

    event_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    stored_name: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


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


class Summons(TenantScoped, db.Model):
    """A child task of an event with its own clocks: a summons (吹哨) of a unit or department that
    must sign (报到) within its limit and answer. The unit is an org unit, a resident unit, or an
    outside department named in words (派出所, 城管 …), exactly one of the three."""

    __tablename__ = "grid__summons"
    __table_args__ = tenant_table_args(
        tenant_fk("event_id", "grid__event"), tenant_fk("unit_id", "org_unit"),
        tenant_fk("resident_unit_id", "resident_unit"),
        Index("ix_grid__summons_tenant_id_event_id_id", "tenant_id", "event_id", "id"),
        Index("ix_grid__summons_tenant_id_signed_at_sign_due", "tenant_id", "signed_at", "sign_due"))

    event_id: Mapped[int] = mapped_column(BigId)
    unit_id: Mapped[int | None] = mapped_column(BigId)
    resident_unit_id: Mapped[int | None] = mapped_column(BigId)
    department: Mapped[str | None] = mapped_column(String(64))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    dispatched_at: Mapped[datetime] = mapped_column(default=utc_default)
    sign_due: Mapped[datetime]
    deadline_explain: Mapped[dict] = mapped_column(default=dict)
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[int | None] = mapped_column(BigId)
    responded_at: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[int | None] = mapped_column(BigId)
    #: when the coordinator was told the unit had not signed in time (once)
    reminded_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(BigId)


class Share(TenantScoped, db.Model):
    """An explicit, audited share of a street's event with a district department (L3). The event
    stays in the street; the district reads it while the share is not withdrawn."""

    __tablename__ = "grid__share"
    __table_args__ = tenant_table_args(
        tenant_fk("event_id", "grid__event"),
        Index("ix_grid__share_tenant_id_event_id_id", "tenant_id", "event_id", "id"),
        # one live share per event, whatever two officers do at once
        Index("uq_grid__share_tenant_id_event_id_live", "tenant_id", "event_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")))

    event_id: Mapped[int] = mapped_column(BigId)
    department: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    #: the level the event had before the share, restored when the share is withdrawn
    level_before: Mapped[int] = mapped_column(Integer, default=0)
    shared_by: Mapped[int | None] = mapped_column(BigId)
    shared_at: Mapped[datetime] = mapped_column(default=utc_default)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[int | None] = mapped_column(BigId)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)


class Subscriber(TenantScoped, db.Model):
    """Someone who raised a problem already being handled and follows it instead of filing it again
    (grid.md §9): counted as a demand on the event and called back with its reporter."""

    __tablename__ = "grid__subscriber"
    __table_args__ = tenant_table_args(tenant_fk("event_id", "grid__event"),
                                       Index("ix_grid__subscriber_tenant_id_event_id_id", "tenant_id", "event_id", "id"))
    __pii__ = ("name", "phone")

    event_id: Mapped[int] = mapped_column(BigId)
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


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
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
