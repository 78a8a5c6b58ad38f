"""Stations and their quarterly cycles: phases in a fixed order with guards, roll-over in one logged step."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import api
from core.api import clock, db, Refused

from ..models import AgendaItem, Cycle, Item, Matter, Meeting, Rollover, Station

PHASES = ("collecting", "claiming", "review_meeting", "implementing", "publicizing", "archived")
PHASE_LABELS = {"collecting": "征集", "claiming": "认领", "review_meeting": "联席会议", "implementing": "实施",
                "publicizing": "公示", "archived": "已归档"}
UNDECIDED = ("admitted", "scheduled", "deferred")


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    nxt = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, nxt - timedelta(days=1)


def phase_dates(year: int, quarter: int) -> dict:
    """Each phase ends where the next begins: 3 weeks collecting, 3 claiming, the meeting by week 8."""
    start, end = quarter_bounds(year, quarter)
    marks = [start, start + timedelta(days=21), start + timedelta(days=42), start + timedelta(days=56), end,
             end + timedelta(days=15)]
    return {p: marks[i].isoformat() for i, p in enumerate(PHASES)}


def today() -> date:
    return clock.utcnow().astimezone(clock.SHANGHAI).date()


def ensure_station(org_unit, level: str) -> Station:
    station = db.session.scalar(select(Station).where(Station.org_unit_id == org_unit.id))
    if station is None:
        station = Station(org_unit_id=org_unit.id, level=level,
                          display_name=f"{api.settings('discussion')['display_name']}（{org_unit.name}）")
        db.session.add(station)
        db.session.flush()
    return station


def cycle_for(station: Station, year: int, quarter: int) -> Cycle:
    cycle = db.session.scalar(select(Cycle).where(Cycle.station_id == station.id, Cycle.year == year,
                                                  Cycle.quarter == quarter))
    if cycle is None:
        cycle = Cycle(station_id=station.id, year=year, quarter=quarter, phase="collecting",
                      phase_dates=phase_dates(year, quarter))
        db.session.add(cycle)
        db.session.flush()
    return cycle


def current_cycle(station: Station) -> Cycle:
    """The station's open cycle: the oldest not archived, else this quarter's (created when missing)."""
    open_ = db.session.scalar(select(Cycle).where(Cycle.station_id == station.id, Cycle.phase != "archived")
                              .order_by(Cycle.year, Cycle.quarter).limit(1))
    return open_ or cycle_for(station, *quarter_of(today()))


def _next_quarter(cycle: Cycle) -> tuple[int, int]:
    return (cycle.year + 1, 1) if cycle.quarter == 4 else (cycle.year, cycle.quarter + 1)


def advance(cycle: Cycle, _data: dict | None = None) -> Cycle:
    """The chair moves the cycle to its next phase, when the guard allows (spec §3.1)."""
    if cycle.phase == "archived":
        raise Refused(_("本季度已归档"))
    meetings = select(func.count()).select_from(Meeting).where(Meeting.cycle_id == cycle.id)
    if cycle.phase == "claiming" and not db.session.scalar(meetings):
        raise Refused(_("请先安排本季度的联席会议"))
    if cycle.phase == "review_meeting" and not db.session.scalar(meetings.where(Meeting.state == "minutes_approved")):
        raise Refused(_("本季度还没有审定纪要的联席会议"))
    if cycle.phase == "publicizing":
        raise Refused(_("归档前请先预览结转内容，再确认结转"))
    cycle.phase = PHASES[PHASES.index(cycle.phase) + 1]
    return cycle


def rollover_preview(cycle: Cycle) -> dict:
    """What archiving this cycle would move, before anything moves: undecided matters (those reaching a second
    roll-over flagged: the chair must decide them or close them as 长期未决) and unmet list items."""
    station = db.session.get(Station, cycle.station_id)
    matters = db.session.scalars(select(Matter).where(Matter.cycle_id == cycle.id, Matter.state.in_(UNDECIDED))
                                 .order_by(Matter.rollover_n.desc(), Matter.id)).all()
    items = db.session.scalars(select(Item).where(Item.cycle_id == cycle.id,
                                                  Item.state.in_(("published", "partially_claimed")))
                               .order_by(Item.kind, Item.id)).all()
    return {"cycle": cycle, "station": station, "next": _next_quarter(cycle), "matters": matters, "items": items,
            "long": [m for m in matters if m.rollover_n + 1 >= 2]}


def archive(cycle: Cycle, _data: dict | None = None) -> Rollover:
    """Archive a cycle: undecided matters and unmet items move to the next cycle in one logged step."""
    if cycle.phase != "publicizing":
        raise Refused(_("只有公示阶段的季度可以归档"))
    station = db.session.get(Station, cycle.station_id)
    nxt = cycle_for(station, *_next_quarter(cycle))
    matters = db.session.scalars(select(Matter).where(Matter.cycle_id == cycle.id,
                                                      Matter.state.in_(UNDECIDED))).all()
    for m in matters:
        m.cycle_id, m.rollover_n = nxt.id, m.rollover_n + 1
        if m.state == "deferred":
            m.state = "admitted"
    carried = []
    for item in db.session.scalars(select(Item).where(Item.cycle_id == cycle.id,
                                                      Item.state.in_(("published", "partially_claimed")))):
        item.state = "carried_over"
        copy = Item(cycle_id=nxt.id, kind=item.kind, title=item.title, body=item.body, category=item.category,
                    owner_type=item.owner_type, owner_id=item.owner_id, owner_name=item.owner_name,
                    quantity=item.quantity - item.claimed, unit_of_measure=item.unit_of_measure,
                    location=item.location, state="published", carried_from_id=item.id)
        db.session.add(copy)
        carried.append(item.id)
    log = Rollover(from_cycle_id=cycle.id, to_cycle_id=nxt.id, matter_ids=[m.id for m in matters],
                   item_ids=carried, by=api.current().user_id)
    db.session.add(log)
    cycle.phase, cycle.archived_at = "archived", clock.utcnow()
    db.session.flush()
    return log


def long_undecided(station: Station) -> list[Matter]:
    """Matters rolled over twice or more: the chair must decide them or close them as 长期未决."""
    return db.session.scalars(select(Matter).where(Matter.station_id == station.id, Matter.rollover_n >= 2,
                                                   Matter.state.in_(UNDECIDED))).all()


def compliant(cycle: Cycle) -> bool:
    """§4.7: enough joint meetings with approved minutes, and a list review on an agenda."""
    station = db.session.get(Station, cycle.station_id)
    held = db.session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.cycle_id == cycle.id, Meeting.kind == "joint", Meeting.state == "minutes_approved"))
    review = db.session.scalar(select(func.count()).select_from(AgendaItem).join(
        Meeting, Meeting.id == AgendaItem.meeting_id).where(Meeting.cycle_id == cycle.id,
                                                            AgendaItem.subject_type == "list_review"))
    return held >= station.min_meetings_per_quarter and review > 0
