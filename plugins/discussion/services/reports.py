"""Reports (spec §8): stations, distinct co-building units, cycles and quarterly compliance, lists and claims,
matters from office hours with their outcomes sent back."""
from __future__ import annotations

from sqlalchemy import func, select

from core.api import db

from ..models import AgendaItem, Claim, Cycle, Item, Matter, Meeting, Objection, Project, Station, Unit


DUE = ("implementing", "publicizing", "archived")


def stats() -> dict:
    """One tenant's figures; a district adds its streets' (distinct uscc counted across them by the caller)."""
    count = lambda stmt: db.session.scalar(stmt) or 0  # noqa: E731
    held = (select(Meeting.cycle_id, func.count().label("n")).where(Meeting.kind == "joint",
                                                                  Meeting.state == "minutes_approved")
            .group_by(Meeting.cycle_id).subquery())
    reviewed = (select(Meeting.cycle_id).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                .where(AgendaItem.subject_type == "list_review").distinct().subquery())
    #: a quarter counts once its review meeting is due: implementing, publicizing or archived
    closed_cycles = select(Cycle.id).where(Cycle.phase.in_(DUE))
    compliant = count(select(func.count()).select_from(Cycle).join(Station, Station.id == Cycle.station_id)
                      .join(held, held.c.cycle_id == Cycle.id).join(reviewed, reviewed.c.cycle_id == Cycle.id)
                      .where(Cycle.phase.in_(DUE), held.c.n >= Station.min_meetings_per_quarter))
    by_kind = dict(db.session.execute(select(Item.kind, func.count()).where(Item.carried_from_id.is_(None))
                                      .group_by(Item.kind)).all())
    claims = dict(db.session.execute(select(Claim.state, func.count()).group_by(Claim.state)).all())
    return {
        "stations": count(select(func.count()).select_from(Station)),
        "street_stations": count(select(func.count()).select_from(Station).where(Station.level == "street")),
        "uscc": sorted(db.session.scalars(select(Unit.uscc).distinct())),
        "cycles": count(select(func.count()).select_from(Cycle)),
        "closed_cycles": count(select(func.count()).select_from(closed_cycles.subquery())),
        "compliant_cycles": compliant,
        "demands": by_kind.get("demand", 0), "resources": by_kind.get("resource", 0),
        "projects": count(select(func.count()).select_from(Project)),
        "claims": sum(claims.values()), "claims_verified": claims.get("verified", 0),
        "claims_awaiting": claims.get("proposed", 0),
        "matters": count(select(func.count()).select_from(Matter)),
        "office_hours_matters": count(select(func.count()).select_from(Matter).where(Matter.origin == "office_hours")),
        "office_hours_sent_back": count(select(func.count()).select_from(Matter).where(
            Matter.origin == "office_hours", Matter.outcome_sent_at.is_not(None))),
        "open_objections": count(select(func.count()).select_from(Objection).where(Objection.state == "open")),
        "long_undecided": count(select(func.count()).select_from(Matter).where(
            Matter.rollover_n >= 2, Matter.state.in_(("admitted", "scheduled", "deferred")))),
        "rolled_over_once": count(select(func.count()).select_from(Matter).where(
            Matter.rollover_n == 1, Matter.state.in_(("admitted", "scheduled", "deferred")))),
    }


def combine(parts: list[dict]) -> dict:
    out: dict = {}
    for part in parts:
        for k, v in part.items():
            out[k] = (out.get(k) or ([] if isinstance(v, list) else 0)) + v
    uscc = set(out.pop("uscc", []))
    closed = out.get("closed_cycles", 0)
    out["co_building_units"] = len(uscc)
    out["quarterly_compliance"] = round(100 * out.get("compliant_cycles", 0) / closed, 1) if closed else 100.0
    return out


def per_station() -> list[tuple]:
    """Per station: cycles, compliant quarters, approved joint meetings, items, verified claims."""
    rows = []
    for s in db.session.scalars(select(Station).order_by(Station.level.desc(), Station.id)):
        meetings = db.session.scalar(select(func.count()).select_from(Meeting).where(
            Meeting.station_id == s.id, Meeting.state == "minutes_approved")) or 0
        cyc = db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.station_id == s.id)) or 0
        items = db.session.scalar(select(func.count()).select_from(Item).join(Cycle, Cycle.id == Item.cycle_id)
                                  .where(Cycle.station_id == s.id)) or 0
        rows.append((s.display_name, cyc, meetings, items))
    return rows
