"""Grid boundaries and their versions (网格档案, docs/grid.md §2): redraw, split, merge, and which
grid a point falls in. Every change closes the current version and adds a new one, so the history
stays; events keep the version they were reported under. Services flush; the view commits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from core import api
from core.api import OrgUnit, audit, clock, current, db, lock_for_update

from . import geo
from .machine import TERMINAL, Refused
from .models import PRIORITY, Assignment, GridEvent, GridProfile, Transition


def current_version(grid_id: int, lock: bool = False) -> GridProfile | None:
    stmt = select(GridProfile).where(GridProfile.grid_id == grid_id, GridProfile.valid_to.is_(None))
    return db.session.scalars(lock_for_update(stmt) if lock else stmt).first()


def versions(grid_id: int) -> list[GridProfile]:
    return list(db.session.scalars(select(GridProfile).where(GridProfile.grid_id == grid_id)
                                   .order_by(GridProfile.version_no.desc()).limit(100)))


def current_all(grid_ids=None) -> list[GridProfile]:
    """Current versions, optionally only of these grids (a subquery or a collection)."""
    stmt = select(GridProfile).where(GridProfile.valid_to.is_(None))
    if grid_ids is not None:
        stmt = stmt.where(GridProfile.grid_id.in_(grid_ids))
    return list(db.session.scalars(stmt.order_by(GridProfile.grid_id).limit(5000)))


def retired_ids() -> set[int]:
    """Grids merged into another: they had boundary versions and have no current one. Core keeps
    the unit (its history stays readable); the grid module no longer offers it for new work."""
    return set(db.session.scalars(select(GridProfile.grid_id).group_by(GridProfile.grid_id).having(
        func.sum(case((GridProfile.valid_to.is_(None), 1), else_=0)) == 0)))


def successor(grid_id: int) -> int | None:
    """The grid a retired grid was merged into, so that its old QR posters still lead somewhere."""
    last = db.session.scalar(select(func.max(GridProfile.id)).where(GridProfile.grid_id == grid_id))
    if last is None:
        return None
    for row in db.session.scalars(select(GridProfile).where(GridProfile.change == "merge",
                                                            GridProfile.grid_id != grid_id).limit(2000)):
        if last in (row.supersedes or []):
            return row.grid_id
    return None


def locate(lng: float, lat: float) -> GridProfile | None:
    """The current grid version containing the point: an exclusive grid (priority 20) wins over the
    residential grid around it (10); among equals the smaller polygon wins."""
    stmt = select(GridProfile).where(GridProfile.valid_to.is_(None), GridProfile.west <= lng, GridProfile.east >= lng,
                                     GridProfile.south <= lat, GridProfile.north >= lat)
    hits = [p for p in db.session.scalars(stmt.limit(200)) if geo.contains(p.boundary, lng, lat)]
    if not hits:
        return None
    return min(hits, key=lambda p: (-p.priority, abs(geo.ring_area(p.boundary["coordinates"][0])), p.id))


def _check_based_on(version: GridProfile | None, based_on: int | None) -> None:
    """The form said which version it was drawn on; if someone changed it since, say so."""
    if based_on is not None and (version.version_no if version else 0) != based_on:
        raise Refused(_("这个网格的边界刚被其他人修改过，请刷新后再操作"))


#: how far a boundary may lie from the street's other grids: a street is a few kilometres across, so
#: anything farther is a slip (swapped or mistyped coordinates) that would shrink the whole map
NEIGHBOURHOOD_M = 20_000


def _check_near(grid: OrgUnit, boundary: dict) -> None:
    west, south, east, north = geo.bbox(boundary)
    lat, lng = (south + north) / 2, (west + east) / 2
    centres = db.session.execute(
        select((GridProfile.south + GridProfile.north) / 2, (GridProfile.west + GridProfile.east) / 2)
        .where(GridProfile.valid_to.is_(None), GridProfile.grid_id != grid.id).limit(2000)).all()
    if centres:
        here = (sum(c[0] for c in centres) / len(centres), sum(c[1] for c in centres) / len(centres))
        apart = geo.distance_m(lat, lng, *here)
        if apart > NEIGHBOURHOOD_M:
            raise Refused(_("这条边界离本街道其他网格约 %(km)s 公里，请检查坐标（经纬度是否写反）", km=round(apart / 1000)))


def _add_version(grid: OrgUnit, boundary: dict, households_est: int | None, change: str, supersedes: list[int],
                 reason: str, now) -> GridProfile:
    _check_near(grid, boundary)
    last = db.session.scalar(select(func.max(GridProfile.version_no)).where(GridProfile.grid_id == grid.id)) or 0
    west, south, east, north = geo.bbox(boundary)
    row = GridProfile(grid_id=grid.id, version_no=last + 1, boundary=boundary, west=west, south=south, east=east,
                      north=north, households_est=households_est if households_est is not None else _households(grid),
                      priority=PRIORITY.get(grid.attrs.get("grid_type"), 10), change=change, supersedes=supersedes,
                      reason=reason, valid_from=now, actor_id=current().user_id)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # someone added a current version at the same moment
        raise Refused(_("这个网格的边界刚被其他人修改过，请刷新后再操作")) from exc
    return row


def _households(grid: OrgUnit) -> int:
    return db.session.scalar(select(func.count()).select_from(OrgUnit).where(
        OrgUnit.path.startswith(grid.path), OrgUnit.kind == "household")) or 0


def _close(version: GridProfile | None, now) -> list[int]:
    if version is None:
        return []
    version.valid_to = now
    db.session.flush()
    return [version.id]


def redraw(grid: OrgUnit, boundary: dict, households_est: int | None, reason: str, based_on: int | None) -> GridProfile:
    """Draw or redraw one grid's boundary: a new version, the old one kept as history."""
    now = clock.utcnow()
    old = current_version(grid.id, lock=True)
    _check_based_on(old, based_on)
    if old is not None and old.boundary == boundary and (households_est is None or households_est == old.households_est):
        raise Refused(_("边界与现行版本相同，无需保存新版本"))
    row = _add_version(grid, boundary, households_est, "redraw" if old else "draw", _close(old, now), reason, now)
    audit.record("grid.boundary", "org_unit", grid.id, version=row.version_no, change=row.change)
    return row


def _free_code(base: str) -> str:
    n = 2
    while db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == f"{base}-{n}")) is not None:
        n += 1
    return f"{base}-{n}"


def split(grid: OrgUnit, data: dict) -> tuple[GridProfile, GridProfile, OrgUnit]:
    """Split a grid in two: the new grid becomes a core org unit beside it (same community), chosen
    buildings move under it, the old version closes and both grids get versions that supersede it."""
    now = clock.utcnow()
    old = current_version(grid.id, lock=True)
    _check_based_on(old, data.get("based_on"))
    community = db.session.get(OrgUnit, grid.parent_id)
    attrs = {k: v for k, v in grid.attrs.items() if k in ("grid_type", "site_type")}
    new_grid = api.create_unit(community, "grid", _free_code(grid.code), data["new_name"], attrs)
    moved = []
    for building in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(data.get("building_ids") or []),
                                                             OrgUnit.parent_id == grid.id, OrgUnit.kind == "building")):
        api.move_unit(building, new_grid)
        moved.append(building.id)
    superseded = _close(old, now)
    kept = _add_version(grid, data["boundary"], data.get("households_est"), "split", superseded, data["reason"], now)
    made = _add_version(new_grid, data["new_boundary"], data.get("new_households_est"), "split", superseded,
                        data["reason"], now)
    audit.record("grid.split", "org_unit", grid.id, new_grid=new_grid.id, buildings=moved,
                 versions=[kept.id, made.id], supersedes=superseded)
    return kept, made, new_grid


def merge(into: OrgUnit, other: OrgUnit, data: dict) -> GridProfile:
    """Merge grid ``other`` into ``into`` in one step: its open events, active staff and buildings move
    (each move on the event's timeline, the staff history and the audit log); ``into`` gets a version
    superseding both. Core has no inactive state for org units, so ``other`` stays in the tree with
    no current boundary."""
    if into.id == other.id:
        raise Refused(_("不能把网格合并到它自己"))
    if into.parent_id != other.parent_id:
        raise Refused(_("只能合并同一社区的网格"))
    now = clock.utcnow()
    first, second = sorted((into.id, other.id))  # lock in id order, so two merges never deadlock
    locked = {first: current_version(first, lock=True), second: current_version(second, lock=True)}
    _check_based_on(locked[into.id], data.get("based_on"))
    actor = current().user_id
    events = list(db.session.scalars(lock_for_update(select(GridEvent).where(
        (GridEvent.grid_id == other.id) | (GridEvent.handler_unit_id == other.id),
        GridEvent.state.not_in(TERMINAL)).order_by(GridEvent.id))))
    note = _("网格合并：由 %(b)s 转入 %(a)s", b=other.name, a=into.name)
    for ev in events:
        if ev.grid_id == other.id:
            ev.grid_id = into.id
        if ev.handler_unit_id == other.id:
            ev.handler_unit_id = into.id
        ev.version += 1
        db.session.add(Transition(event_id=ev.id, code="GM", action="regrid", from_state=ev.state, to_state=ev.state,
                                  actor_id=actor, reason=note, payload={"from_grid": other.id, "to_grid": into.id}))
    has_leader = db.session.scalar(select(Assignment.id).where(
        Assignment.grid_id == into.id, Assignment.role == "grid_leader", Assignment.valid_to.is_(None))) is not None
    moved_staff = []
    for a in list(db.session.scalars(lock_for_update(select(Assignment).where(Assignment.grid_id == other.id,
                                                                              Assignment.valid_to.is_(None))))):
        a.valid_to = now
        role = "full_time" if a.role == "grid_leader" and has_leader else a.role  # one leader per grid
        db.session.flush()
        row = Assignment(grid_id=into.id, person_id=a.person_id, role=role, agency=a.agency, valid_from=now,
                         created_by=actor)
        db.session.add(row)
        db.session.flush()
        has_leader = has_leader or role == "grid_leader"
        moved_staff.append(row.id)
        audit.record("grid.assign", "grid_assignment", row.id, grid_id=into.id, role=role, moved_from=a.id)
    buildings = list(db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == other.id,
                                                              OrgUnit.kind == "building")))
    for building in buildings:
        api.move_unit(building, into)
    superseded = _close(locked[into.id], now) + _close(locked[other.id], now)
    row = _add_version(into, data["boundary"], data.get("households_est"), "merge", superseded, data["reason"], now)
    audit.record("grid.merge", "org_unit", into.id, merged=other.id, events=[e.id for e in events],
                 assignments=moved_staff, buildings=[b.id for b in buildings], version=row.id, supersedes=superseded)
    return row


def lineage(grid_id: int, rows: list[GridProfile]) -> dict:
    """For a grid's versions: other grids' versions they came from, and other grids' versions that
    replaced them (split, merge), as {version id: {"from": [...], "to": [...]}}, each entry
    (grid id, grid name, version number, change)."""
    mine = {r.id for r in rows}
    wanted = {i for r in rows for i in (r.supersedes or [])} - mine
    others = {p.id: p for p in db.session.scalars(select(GridProfile).where(GridProfile.id.in_(wanted or [0])))}
    later = [p for p in db.session.scalars(select(GridProfile).where(
        GridProfile.change.in_(("split", "merge")), GridProfile.grid_id != grid_id).limit(2000))
        if mine & set(p.supersedes or [])]
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({p.grid_id for p in [*others.values(), *later]}))).all()) if others or later else {}
    out = {r.id: {"from": [], "to": []} for r in rows}
    for r in rows:
        for i in r.supersedes or []:
            if i in others:
                out[r.id]["from"].append((others[i].grid_id, names.get(others[i].grid_id, ""), others[i].version_no,
                                          r.change))
    for p in later:
        for i in set(p.supersedes) & mine:
            out[i]["to"].append((p.grid_id, names.get(p.grid_id, ""), p.version_no, p.change))
    return out
