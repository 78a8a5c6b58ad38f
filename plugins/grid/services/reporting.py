"""Reporting events (T1), subscriptions, duplicates, search and personal-data requests."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import String, cast, delete, select, update

from core import api
from core.api import OrgUnit, SearchHit, clock, current, current_or_none, db, emit, lock_for_update, units_within

from .. import events as ev
from .. import geo, notices, profiles
from ..categories import TEMPLATE
from ..deadlines import set_stage
from ..machine import TERMINAL, Refused
from ..models import Category, GridEvent, MediationCase, Subscriber
from ..rows import log_transition


def seed_categories() -> int:
    """Copy the category template into the active tenant (idempotent)."""
    have = set(db.session.scalars(select(Category.code)))
    for code, name, bucket, profile, (value, unit), grid_solvable, self_ok, level in TEMPLATE:
        if code not in have:
            db.session.add(Category(code=code, name=name, bucket=bucket, profile=profile, limit_value=value,
                                    limit_unit=unit, grid_solvable=grid_solvable, self_handle_allowed=self_ok,
                                    default_level=level))
    db.session.flush()
    return 1


def next_ref() -> str:
    today = clock.utcnow().astimezone(clock.SHANGHAI)
    return f"E{today:%Y%m%d}-{secrets.token_hex(3).upper()}"


def report_event(data: dict, source: str, actor_id: int | None = None, origin: dict | None = None) -> GridEvent:
    """T1: a new event reaches intake (待受理); the accept clock starts now. ``origin`` names the service
    log or patrol it was converted from, so the timeline links back to it."""
    category = db.session.get(Category, data["category_id"])
    if category is None or not category.active:
        raise Refused(_("类别不存在"))
    grid_id = data.get("grid_id")
    lat, lng = data.get("lat"), data.get("lng")
    if grid_id is not None:
        grid = db.session.get(OrgUnit, grid_id)
        if grid is None or grid.kind != "grid":
            raise Refused(_("网格不存在"))
        version = profiles.current_version(grid_id)
    elif lat is not None and lng is not None:  # no grid chosen: the point says which (exclusive wins)
        version = profiles.locate(lng, lat)
        grid_id = version.grid_id if version else None
    else:
        version = None
    event = GridEvent(ref_no=next_ref(), title=data["title"], description=data.get("description") or "",
                      category_id=category.id, urgency=data.get("urgency") or "NORMAL", source=source,
                      grid_id=grid_id, grid_version=version.id if version else None, lat=lat, lng=lng,
                      community_id=None if grid_id is not None else _reporter_community(actor_id),
                      address=data.get("address") or "", reporter_name=data.get("reporter_name"),
                      reporter_phone=data.get("reporter_phone"), anonymity=data.get("anonymity") or "named",
                      level=category.default_level, max_level=category.default_level, created_by=actor_id,
                      created_at=clock.utcnow(), device_captured_at=data.get("device_captured_at"))
    db.session.add(event)
    set_stage(event, "accept", category)
    db.session.flush()
    payload = {"source": source, **({"from": origin} if origin else {})}
    if event.device_captured_at is not None:  # T1 keeps both times; the clocks start at server time
        payload["device_at"] = clock.aware(event.device_captured_at).isoformat()
    log_transition(event, "T1", "submit", None, "SUBMITTED", actor_id, None, payload)
    case_no = api.attach_case(data.get("case_no"), event.title, kind="grid.event", object_id=event.id,
                              label=_("网格事件 %(r)s：%(t)s", r=event.ref_no, t=event.title), endpoint="grid.event",
                              unit_id=grid_id or _street_unit_id(), permission="grid.view", event_id=event.id)
    emit(ev.EventCreated(event_id=event.id, category=category.code, source=source, case_no=case_no))
    incident = open_incident(category.id, grid_id)
    if incident is not None and incident.id != event.id:  # a known mass incident: one case, many demands
        incident.demand_n += 1
        incident.version += 1
        event.master_id, event.state, event.closed_at = incident.id, "MERGED", clock.utcnow()
        event.stage, event.stage_deadline = "closed", None
        log_transition(event, "T7", "merge", "SUBMITTED", "MERGED", actor_id, _("自动并入群体性事件 %(r)s", r=incident.ref_no))
        db.session.flush()
    notices.reported(event)
    return event


def _reporter_community(actor_id: int | None) -> int | None:
    """For an event with no grid: the one community the reporting staff member works in (their
    grid.view grants all lie inside it), so it shows in that community's queue as 未定位."""
    ctx = current_or_none()
    if actor_id is None or ctx is None or ctx.user_id != actor_id:
        return None
    paths = ctx.scope_paths("grid.view")
    communities = list(db.session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.kind == "community")))
    found = {next((cid for cid, cpath in communities if p.startswith(cpath)), None) for p in paths}
    return found.pop() if len(found) == 1 else None


def _street_unit_id() -> int:
    """The street's root unit: where an event with no grid is seen from."""
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))



def subscribe(event_id: int, name: str | None, phone: str, actor_id: int | None):
    """Someone reports what an open event already covers: they follow it instead of filing again, and
    the event counts one more demand (诉求人次). The same phone follows an event once."""
    event = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.id == event_id))).first()
    if event is None or event.state in TERMINAL:
        raise Refused(_("该事件已办结，请作为新事件上报"))
    known = db.session.scalar(select(Subscriber.id).where(Subscriber.event_id == event.id, Subscriber.phone == phone))
    if known is not None or phone == event.reporter_phone:
        raise Refused(_("这个电话已在关注该事件"))
    db.session.add(Subscriber(event_id=event.id, name=name, phone=phone, created_by=actor_id))
    event.demand_n += 1
    event.version += 1
    log_transition(event, "SUB", "subscribe", event.state, event.state, actor_id, None, {"demand_n": event.demand_n})
    db.session.flush()
    return event


def distance(a: GridEvent, b: GridEvent) -> float | None:
    """Metres between two events, when both have a point."""
    if None in (a.lat, a.lng, b.lat, b.lng):
        return None
    return geo.distance_m(a.lat, a.lng, b.lat, b.lng)


DUP_DAYS = 14


def nearby_open(category: Category, lat: float, lng: float, stmt=None, limit: int = 5) -> list[tuple[GridEvent, float]]:
    """Open events of the category within its duplicate radius and the last 14 days, nearest first:
    an indexed query on (category, created_at) cut to the bounding square, then exact distance."""
    south, north, west, east = geo.box_around(lat, lng, category.dup_radius_m)
    since = clock.utcnow() - timedelta(days=DUP_DAYS)
    stmt = (stmt if stmt is not None else select(GridEvent)).where(
        GridEvent.category_id == category.id, GridEvent.created_at >= since, GridEvent.state.not_in(TERMINAL),
        GridEvent.lat.between(south, north), GridEvent.lng.between(west, east))
    found = [(e, geo.distance_m(lat, lng, e.lat, e.lng)) for e in db.session.scalars(stmt.limit(500))]
    return sorted([(e, d) for e, d in found if d <= category.dup_radius_m], key=lambda x: x[1])[:limit]


def open_incident(category_id: int, grid_id: int | None) -> GridEvent | None:
    if grid_id is None:
        return None
    return db.session.scalars(lock_for_update(select(GridEvent).where(
        GridEvent.category_id == category_id, GridEvent.grid_id == grid_id, GridEvent.incident_until > clock.utcnow(),
        GridEvent.state.not_in(TERMINAL)).order_by(GridEvent.id).limit(1))).first()


def search_events(query: str, limit: int) -> list:

    if not current().has("grid.view"):
        return []
    q = query.strip()
    stmt = select(GridEvent).where((GridEvent.ref_no == q.upper()) | GridEvent.title.contains(q))
    units = units_within("grid.view")
    if units is not None:
        stmt = stmt.where(GridEvent.grid_id.in_(units) | GridEvent.handler_unit_id.in_(units))
    rows = db.session.scalars(stmt.order_by(GridEvent.id.desc()).limit(limit))
    return [SearchHit(f"{e.ref_no} {e.title}", url_for("grid.event", event_id=e.id), "grid_event") for e in rows]


def erase_reporter(person) -> None:
    """Erasure of a person (matched by phone): the events stay, as who reported them and who follows
    them no longer says; mediation parties with that phone lose name and phone."""

    if not person.phone:
        return
    db.session.execute(update(GridEvent).where(GridEvent.reporter_phone == person.phone)
                       .values(reporter_name=None, reporter_phone=None))
    db.session.execute(delete(Subscriber).where(Subscriber.phone == person.phone))
    for case in db.session.scalars(select(MediationCase).where(
            cast(MediationCase.parties, String).contains(person.phone))):
        if any(p.get("phone") == person.phone for p in case.parties or []):
            case.parties = [{**p, "name": _("已删除"), "phone": None} if p.get("phone") == person.phone else p
                            for p in case.parties]
    db.session.flush()


def events_reported_by(person) -> dict | None:
    """Events the person reported or follows (matched by phone), for a personal-data access request."""
    if not person.phone:
        return None
    rows = db.session.scalars(select(GridEvent).where(GridEvent.reporter_phone == person.phone))
    found = [{"ref_no": e.ref_no, "title": e.title, "created_at": e.created_at.isoformat(), "state": e.state}
             for e in rows]
    followed = [{"ref_no": ref, "since": at.isoformat()} for ref, at in db.session.execute(
        select(GridEvent.ref_no, Subscriber.created_at).join(Subscriber, (Subscriber.event_id == GridEvent.id)
                                                            & (Subscriber.tenant_id == GridEvent.tenant_id))
        .where(Subscriber.phone == person.phone))]
    out = ({"reported_events": found} if found else {}) | ({"followed_events": followed} if followed else {})
    return out or None


def set_root_cause(event: GridEvent, text: str) -> None:
    """Record what keeps a hotspot coming back; the timeline keeps every version."""
    event.root_cause = text
    event.version += 1
    log_transition(event, "RC", "root_cause", event.state, event.state, current().user_id, text)
    db.session.flush()
