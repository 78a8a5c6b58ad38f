"""Grid staffing, service logs and patrols: the daily work of grid workers (docs/grid.md §2, §8)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import api
from core.api import OrgUnit, PartyOrg, Person, audit, clock, current, db

from . import records
from .emergency import active_for
from .machine import TERMINAL, Refused
from .models import ASSIGNMENT_ROLES, SERVICE_FORMS, SERVICE_TYPES, Assignment, GridEvent, Patrol, ServiceLog


def active(grid_id: int) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.grid_id == grid_id, Assignment.valid_to.is_(None))
                                   .order_by(Assignment.role, Assignment.id)))


def assign(grid: OrgUnit, person_id: int, role: str, agency: str | None = None, handover: bool = False) -> Assignment:
    """Put a person on a grid. A new grid leader takes over in one step when ``handover`` is asked;
    otherwise a second active leader is refused."""
    if grid.kind != "grid":
        raise Refused(_("只能给网格配备人员"))
    if role not in ASSIGNMENT_ROLES:
        raise Refused(_("岗位无效"))
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise Refused(_("人员不存在"))
    if role == "grid_leader":
        current_leader = next((a for a in active(grid.id) if a.role == "grid_leader"), None)
        if current_leader is not None:
            if not handover:
                raise Refused(_("该网格已有网格长，请选择“交接”"))
            current_leader.valid_to = clock.utcnow()
            db.session.flush()
    row = Assignment(grid_id=grid.id, person_id=person.id, role=role, agency=agency, created_by=current().user_id)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # another admin assigned a leader at the same moment
        raise Refused(_("该网格已有网格长，请刷新后再试")) from exc
    audit.record("grid.assign", "grid_assignment", row.id, grid_id=grid.id, role=role)
    return row


def end(assignment: Assignment) -> None:
    if assignment.valid_to is None:
        assignment.valid_to = clock.utcnow()
        audit.record("grid.unassign", "grid_assignment", assignment.id)
        db.session.flush()


def log_service(grid: OrgUnit, data: dict) -> ServiceLog:
    """One act of service; a home visit to a household on the care list moves its next visit on."""
    household_id = data.get("household_id")
    if household_id is not None:
        records.household_in(grid, household_id)
    row = ServiceLog(grid_id=grid.id, service_type=data["service_type"], form=data["form"], summary=data["summary"],
                     occurred_at=data.get("occurred_at") or clock.utcnow(), actor_id=current().user_id,
                     household_id=household_id)
    db.session.add(row)
    db.session.flush()
    if household_id is not None and row.form == "home_visit":
        records.visited(household_id, row.occurred_at)
    return row


def record_patrol(grid: OrgUnit, data: dict) -> Patrol:
    if data["ended_at"] <= data["started_at"]:
        raise Refused(_("结束时间应晚于开始时间"))
    mode = active_for(grid.id)
    row = Patrol(grid_id=grid.id, started_at=data["started_at"], ended_at=data["ended_at"],
                 findings=data.get("findings") or "", actor_id=current().user_id,
                 # a route is kept only under a running emergency mode; otherwise it is dropped unread
                 route=(data.get("route") or None) if mode else None, emergency_id=mode.id if mode else None)
    db.session.add(row)
    db.session.flush()
    return row


def grid_profile(grid: OrgUnit) -> dict:
    """Staff, Party branch, central households, five-in-one counts, open events, recent work."""
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(grid.path))
    mgmt = dict(db.session.execute(select(Person.mgmt_category, func.count()).where(
        Person.org_unit_id.in_(subtree), Person.mgmt_category.is_not(None)).group_by(Person.mgmt_category)).all())
    households = db.session.scalar(select(func.count()).select_from(OrgUnit).where(
        OrgUnit.path.startswith(grid.path), OrgUnit.kind == "household"))
    central = db.session.scalar(select(func.count()).select_from(OrgUnit).where(
        OrgUnit.path.startswith(grid.path), OrgUnit.is_central_household.is_(True)))
    branch = db.session.scalars(select(PartyOrg).where(PartyOrg.org_unit_id == grid.id)).first()
    open_events = db.session.scalar(select(func.count()).select_from(GridEvent).where(
        GridEvent.grid_id == grid.id, GridEvent.state.not_in(TERMINAL)))
    staff = active(grid.id)
    history = list(db.session.scalars(select(Assignment).where(Assignment.grid_id == grid.id,
                                                               Assignment.valid_to.is_not(None))
                                      .order_by(Assignment.valid_to.desc()).limit(20)))
    people = {p.id: p for p in db.session.scalars(select(Person).where(
        Person.id.in_({a.person_id for a in [*staff, *history]})))}
    logs = list(db.session.scalars(select(ServiceLog).where(ServiceLog.grid_id == grid.id)
                                   .order_by(ServiceLog.occurred_at.desc()).limit(20)))
    patrols = list(db.session.scalars(select(Patrol).where(Patrol.grid_id == grid.id)
                                      .order_by(Patrol.started_at.desc()).limit(10)))
    return {"grid": grid, "emergency": active_for(grid.id), "mgmt": mgmt, "households": households, "central": central, "branch": branch,
            "open_events": open_events, "staff": staff, "history": history, "people": people, "logs": logs,
            "patrols": patrols, "roles": ASSIGNMENT_ROLES, "service_types": SERVICE_TYPES, "service_forms": SERVICE_FORMS}


def grids_overview() -> list[dict]:
    """Every grid with its leader and workload, grids without a leader first."""
    grids = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "grid").order_by(OrgUnit.path)))
    communities = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "community")).all())
    staff: dict[int, list] = {}
    for a, name in db.session.execute(select(Assignment, Person.name).join(
            Person, (Person.id == Assignment.person_id) & (Person.tenant_id == Assignment.tenant_id))
            .where(Assignment.valid_to.is_(None))):
        staff.setdefault(a.grid_id, []).append((a.role, name))
    open_n = dict(db.session.execute(select(GridEvent.grid_id, func.count()).where(
        GridEvent.state.not_in(TERMINAL)).group_by(GridEvent.grid_id)).all())
    rows = [{"grid": g, "community": communities.get(g.parent_id, ""),
             "leader": next((n for r, n in staff.get(g.id, []) if r == "grid_leader"), None),
             "workers": sum(1 for r, _n in staff.get(g.id, []) if r != "grid_leader"), "open": open_n.get(g.id, 0)}
            for g in grids]
    labels = api.unit_labels(grids)
    return sorted(rows, key=lambda r: (r["leader"] is not None, api.label_key(labels[r["grid"].id])))
