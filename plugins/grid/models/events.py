"""Events, their timeline and what hangs on them: categories, photos, summons (吹哨报到), district shares, subscribers."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, clock, db, tenant_fk, tenant_table_args, utc_default

#: docs/grid.md §3 T1: a report captured offline more than this long before it arrived is flagged
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
        tenant_fk("grid_version", "grid__profile"), tenant_fk("community_id", "org_unit"),
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
    #: an event with no grid: the community it was reported from, whose queue lists it as 未定位
    community_id: Mapped[int | None] = mapped_column(BigId)
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
    #: photos attached (photos.save): the event page reads them only when there are some
    photo_n: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(16), default="accept")
    stage_deadline: Mapped[datetime | None]
    case_deadline: Mapped[datetime | None]
    deadline_explain: Mapped[dict] = mapped_column(default=dict)
    #: when the running stage's clock started (the SLA colour is measured from it; handling from dispatch)
    stage_started_at: Mapped[datetime | None]
    #: the handling stage's own deadline (dispatch + handling limit, moved only by T15/T12/T17/the recompute)
    handle_deadline: Mapped[datetime | None]
    #: when the case clock started: the first dispatch, or a re-dispatch after a dispatch error (T12)
    dispatched_at: Mapped[datetime | None]
    #: the stage limits in force at that dispatch, {stage: [value, unit]}; a later category edit leaves them
    limits: Mapped[dict] = mapped_column(default=dict)
    calendar_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    suspended_remaining_s: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(BigId)
    #: who was assigned the independent check when the result came in (T18): outside the handling unit
    checker_id: Mapped[int | None] = mapped_column(BigId)
    #: the handler's extension request (before the deadline), waiting for approval (T15)
    extension_requested_at: Mapped[datetime | None]
    extension_request_days: Mapped[int | None] = mapped_column(Integer)
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
    (docs/grid.md §9): counted as a demand on the event and called back with its reporter."""

    __tablename__ = "grid__subscriber"
    __table_args__ = tenant_table_args(tenant_fk("event_id", "grid__event"),
                                       Index("ix_grid__subscriber_tenant_id_event_id_id", "tenant_id", "event_id", "id"))
    __pii__ = ("name", "phone")

    event_id: Mapped[int] = mapped_column(BigId)
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
