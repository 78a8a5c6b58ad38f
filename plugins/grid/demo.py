"""Two years of demo events whose solved counts reproduce the seed article (seed facts §2.4):
165 livelihood, 57 urban construction and property, 468 sanitation (300 on the spot), 232 policy
consultations answered — split across the district's streets so the district sums exactly."""
from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from core.api import clock, db, OrgUnit, WorkCalendar
from core import api

from . import geo
from .models import PRIORITY, Category, GridEvent, GridProfile, Transition

#: bucket → (closure type, count) over the whole district
PLAN = {
    "LIVELIHOOD": [("RESOLVED", 165), ("PARTLY_RESOLVED", 4), ("UNRESOLVABLE_EXPLAINED", 3)],
    "URBAN_PROPERTY": [("RESOLVED", 57), ("PARTLY_RESOLVED", 2)],
    "SANITATION": [("RESOLVED", 168), ("RESOLVED_ON_SPOT", 300)],
    "CONSULTATION": [("CONSULT_ANSWERED", 232)],
    "DISPUTE": [("RESOLVED", 41), ("UNRESOLVABLE_EXPLAINED", 2)],
    "SECURITY": [("RESOLVED", 26)],
}
OTHER_STATES = [("REJECTED", 9), ("MERGED", 14), ("CANCELLED", 6), ("OPEN", 6), ("OPEN_OVERDUE", 5)]
LIVE_QUEUE = 60
SEASON = [0.8, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8]  # summer brings more sanitation and disputes
#: the demo streets lie side by side around Xiejiaji (谢家集), about 116.83 E, 32.60 N
ORIGIN = (116.77, 32.585)
CELL = (0.003, 0.0025)  # one residential grid: about 280 m × 280 m


def default_window() -> tuple[date, date]:
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    end = today.replace(day=1) - timedelta(days=1)
    return window_for(end)


def window_for(end: date) -> tuple[date, date]:
    start_month = end.month - 23
    year = end.year + (start_month - 1) // 12
    month = (start_month - 1) % 12 + 1
    return date(year, month, 1), end


def share(total: int, index: int, n: int) -> int:
    """Street ``index`` of ``n`` gets its part of ``total``; the parts add up exactly."""
    return total * (index + 1) // n - total * index // n


def _position(tenant) -> tuple[int, int]:
    """Where this street stands among its district's, so each street's demo data differs."""
    if not tenant.parent_id:
        return 0, 1
    siblings = [s.id for s in api.streets_of(tenant.parent_id)]
    return siblings.index(tenant.id), len(siblings)


def fill(tenant, window_end: date) -> int:
    """Create the street's share of demo events (nothing for a district; nothing twice)."""
    if tenant.kind != "street" or db.session.scalar(select(func.count()).select_from(GridEvent)):
        return 0
    index, n = _position(tenant)
    rng = random.Random(f"jiceng-grid-demo-{tenant.slug}")
    start, end = window_for(window_end)
    cal = WorkCalendar.for_tenant(tenant)
    cats: dict[str, list[Category]] = {}
    for c in db.session.scalars(select(Category).order_by(Category.code)):
        cats.setdefault(c.bucket, []).append(c)
    grids = list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "grid").order_by(OrgUnit.id)))
    if not grids or not cats:
        return 0
    shapes = draw_boundaries(tenant, index, start)
    days = (end - start).days
    weights = [SEASON[(start + timedelta(days=d)).month - 1] for d in range(days)]
    seq = [0]

    def moment(lo: date, hi_days: int) -> datetime:
        d = lo + timedelta(days=rng.choices(range(hi_days), weights[:hi_days])[0]) if lo == start else \
            lo + timedelta(days=rng.randrange(max(hi_days, 1)))
        t = time(rng.randint(8, 17), rng.choice((0, 10, 20, 30, 40, 50)))
        return datetime.combine(d, t, tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())

    def make(category: Category, created: datetime, source: str) -> GridEvent:
        seq[0] += 1
        r = rng.random()
        urgency = "CRITICAL" if r < 0.04 else "URGENT" if r < 0.16 else "NORMAL"
        ev = GridEvent(ref_no=f"D{created.astimezone(clock.SHANGHAI):%Y%m%d}-{tenant.id:02d}{seq[0]:04d}",
                       title=f"{category.name}（演示）", description="演示数据", category_id=category.id,
                       urgency=urgency, source=source, grid_id=rng.choice(grids), address="演示地址",
                       level=category.default_level, max_level=category.default_level, created_at=created,
                       reporter_phone=f"100{rng.randrange(10**8):08d}" if source == "RESIDENT" else None)
        db.session.add(ev)
        return ev

    events_made = 0
    pending_logs: list[tuple[GridEvent, list]] = []
    for bucket, parts in PLAN.items():
        for closure, total in parts:
            for _ in range(share(total, index, n)):
                category = rng.choice(cats[bucket])
                created = moment(start, days - 12)
                source = "GRID_PATROL" if closure == "RESOLVED_ON_SPOT" else rng.choice(("RESIDENT", "GRID_PATROL",
                                                                                          "PHONE_VISIT"))
                ev = make(category, created, source)
                steps = [("T1", "submit", None, "SUBMITTED", created)]
                if closure in ("CONSULT_ANSWERED", "RESOLVED_ON_SPOT"):
                    closed = created + timedelta(minutes=rng.randint(5, 50))
                    steps.append(("T4" if closure == "CONSULT_ANSWERED" else "T5",
                                  "answer" if closure == "CONSULT_ANSWERED" else "self_handle", "SUBMITTED", "CLOSED",
                                  closed))
                else:
                    dispatched = created + timedelta(minutes=rng.randint(20, 90))
                    limit = cal.add(dispatched, category.limit_value, category.limit_unit)
                    case = cal.add(limit.due, 1, "working_day")
                    ev.case_deadline = case.due
                    ev.deadline_explain = {"case": case.as_json()}
                    on_time = rng.random() < 0.93
                    span = (case.due - dispatched).total_seconds()
                    closed = dispatched + timedelta(seconds=span * (rng.uniform(0.3, 0.95) if on_time
                                                                    else rng.uniform(1.05, 1.6)))
                    closed = min(closed, datetime.combine(end, time(17, 0), tzinfo=clock.SHANGHAI))
                    ev.handler_unit_id = ev.grid_id
                    ev.check_n = 1
                    steps += [("T3", "register", "SUBMITTED", "REGISTERED", created + timedelta(minutes=10)),
                              ("T9", "dispatch", "REGISTERED", "DISPATCHED", dispatched),
                              ("T10", "sign", "DISPATCHED", "IN_PROGRESS", dispatched + timedelta(minutes=30)),
                              ("T18", "submit_result", "IN_PROGRESS", "AWAITING_CHECK", closed - timedelta(hours=2)),
                              ("T21", "check_pass", "AWAITING_CHECK", "CLOSED", closed)]
                    if ev.source == "RESIDENT":
                        r = rng.random()
                        ev.callback_result = ("satisfied" if r < 0.88 else "basic" if r < 0.97 else
                                              "unreachable" if r < 0.99 else "satisfied")
                    ev.case_on_time = closed <= case.due
                ev.state, ev.closure_type, ev.closed_at = "CLOSED", closure, closed
                pending_logs.append((ev, steps))
                events_made += 1
    for state, total in OTHER_STATES:
        for _ in range(share(total, index, n)):
            category = rng.choice(cats[rng.choice(list(PLAN))])
            created = moment(start, days - 12) if state != "OPEN_OVERDUE" else moment(end - timedelta(days=40), 20)
            ev = make(category, created, "RESIDENT")
            steps = [("T1", "submit", None, "SUBMITTED", created)]
            if state in ("OPEN", "OPEN_OVERDUE"):
                created = moment(end - timedelta(days=10), 8) if state == "OPEN" else created
                ev.created_at = created
                case = cal.add(created, category.limit_value, category.limit_unit)
                ev.case_deadline = case.due if state == "OPEN" or case.due < datetime.combine(
                    end, time(0), tzinfo=clock.SHANGHAI) else created + timedelta(days=2)
                ev.state, ev.stage, ev.stage_deadline = "IN_PROGRESS", "handle", ev.case_deadline
                ev.handler_unit_id = ev.grid_id
                steps = [("T1", "submit", None, "SUBMITTED", created),
                         ("T9", "dispatch", "REGISTERED", "DISPATCHED", created + timedelta(hours=1)),
                         ("T10", "sign", "DISPATCHED", "IN_PROGRESS", created + timedelta(hours=2))]
            else:
                ev.state = state
                ev.closed_at = created + timedelta(hours=3)
                steps.append(({"REJECTED": "T6", "MERGED": "T7", "CANCELLED": "T25"}[state], state.lower(),
                              "SUBMITTED", state, ev.closed_at))
            pending_logs.append((ev, steps))
            events_made += 1
    # this month's live queue, after the window; two in three in the street's first community (the
    # one the demo's community and grid accounts serve), so their queues are not empty on first sight
    today = clock.utcnow().astimezone(clock.SHANGHAI)
    home = _home_grids()
    for k in range(share(LIVE_QUEUE, index, n)):
        category = rng.choice(cats[rng.choice(list(PLAN))])
        created = (today - timedelta(hours=rng.randint(1, 24 * 6))).astimezone(clock.timezone_utc())
        ev = make(category, created, rng.choice(("RESIDENT", "GRID_PATROL")))
        if home and k % 3 != 2:
            ev.grid_id = home[0] if k % 3 == 0 else rng.choice(home)
        state = ("SUBMITTED", "REGISTERED", "DISPATCHED", "IN_PROGRESS", "AWAITING_CHECK")[k % 5]
        ev.state = state
        limit = cal.add(created, category.limit_value, category.limit_unit)
        ev.stage_deadline = limit.due
        ev.stage = "handle" if state in ("DISPATCHED", "IN_PROGRESS") else "accept"
        if state in ("DISPATCHED", "IN_PROGRESS", "AWAITING_CHECK"):
            ev.case_deadline, ev.handler_unit_id = cal.add(limit.due, 1, "working_day").due, ev.grid_id
            ev.deadline_explain = {"handle": limit.as_json()}
        pending_logs.append((ev, [("T1", "submit", None, "SUBMITTED", created)]))
        events_made += 1
    place_events([ev for ev, _steps in pending_logs], shapes, random.Random(f"jiceng-grid-geo-{tenant.slug}"))
    db.session.flush()
    for ev, steps in pending_logs:
        for code, action, before, after, at in steps:
            db.session.add(Transition(event_id=ev.id, code=code, action=action, from_state=before, to_state=after,
                                      at=at, payload={"demo": True}))
    db.session.flush()
    return events_made


def _home_grids() -> list[int]:
    """The grids of the street's first community, its first grid first."""
    first = db.session.scalar(select(func.min(OrgUnit.id)).where(OrgUnit.kind == "community"))
    return list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "grid", OrgUnit.parent_id == first)
                                   .order_by(OrgUnit.id)))


def draw_boundaries(tenant, index: int, since: date) -> dict[int, tuple[GridProfile, tuple, list]]:
    """A first boundary version for every grid of the street: residential grids as a lattice of
    rectangles, community by community; an exclusive grid (school, market …) as a smaller rectangle
    in a corner of a residential grid of its community, where it takes priority. Returns, per grid, its
    version, its rectangle and the exclusive rectangles lying inside it."""
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "grid").order_by(OrgUnit.path)))
    households: dict[int, int] = {}
    for path in db.session.scalars(select(OrgUnit.path).where(OrgUnit.kind == "household")):
        grid_id = int(path.strip("/").split("/")[-3])
        households[grid_id] = households.get(grid_id, 0) + 1
    residential = [u for u in units if u.attrs.get("grid_type") != "exclusive"]
    cols = max(1, math.ceil(math.sqrt(len(residential))))
    west0 = ORIGIN[0] + index * (cols + 1) * CELL[0]
    rects: dict[int, tuple] = {}
    for k, unit in enumerate(residential):
        w, s = west0 + (k % cols) * CELL[0], ORIGIN[1] + (k // cols) * CELL[1]
        rects[unit.id] = (w, s, w + CELL[0], s + CELL[1])
    holes: dict[int, list] = {}
    first_of = {}
    for unit in residential:
        first_of.setdefault(unit.parent_id, unit.id)
    for n, unit in enumerate(u for u in units if u.attrs.get("grid_type") == "exclusive"):
        host = first_of.get(unit.parent_id) or residential[n % len(residential)].id if residential else None
        w, s, e, north = rects.get(host, (west0, ORIGIN[1] - CELL[1], west0 + CELL[0], ORIGIN[1]))
        inner = (w + (e - w) * 0.55, s + (north - s) * 0.6, w + (e - w) * 0.95, s + (north - s) * 0.95)
        rects[unit.id] = inner
        holes.setdefault(host, []).append(inner)
    at = datetime.combine(since, time(0), tzinfo=clock.SHANGHAI)
    shapes = {}
    for unit in units:
        box = tuple(round(v, 6) for v in rects[unit.id])
        row = GridProfile(grid_id=unit.id, version_no=1, boundary=geo.rectangle(*box), west=box[0], south=box[1],
                          east=box[2], north=box[3], households_est=households.get(unit.id, 0),
                          priority=PRIORITY.get(unit.attrs.get("grid_type"), 10), change="draw", supersedes=[],
                          reason="演示数据", valid_from=at)
        db.session.add(row)
        shapes[unit.id] = (row, box, holes.get(unit.id, []))
    db.session.flush()
    return shapes


def place_events(events: list[GridEvent], shapes: dict, rng: random.Random) -> None:
    """A point for each demo event inside its grid (outside any exclusive grid lying within it),
    so locating the point finds the same grid; the event keeps the version it was reported under."""
    for ev in events:
        if ev.grid_id not in shapes:
            continue
        row, (w, s, e, n), inner = shapes[ev.grid_id]
        for _try in range(20):
            lng, lat = rng.uniform(w, e), rng.uniform(s, n)
            if not any(a <= lng <= c and b <= lat <= d for a, b, c, d in inner):
                break
        ev.lat, ev.lng, ev.grid_version = round(lat, 6), round(lng, 6), row.id
