"""Summons (吹哨报到, rule E9): the community or street coordinating an open event calls units and
departments to the scene. Each summons is a child task with its own clock: sign (报到) within 2
working hours, 30 minutes when the event is urgent; a mandatory one must answer before the event
can be closed. Services flush; the view commits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core.api import OrgUnit, ResidentUnit, clock, current, db, lock_for_update

from .deadlines import calendar
from .machine import TERMINAL, Refused
from .models import GridEvent, Summons, Transition
from .notices import summoned
from .shares import live_share

SIGN_LIMIT = {"CRITICAL": (30, "minute"), "URGENT": (30, "minute"), "NORMAL": (2, "working_hour")}
#: kinds of org unit that can be summoned (a grid is called through its community, a building never)
SUMMONABLE = ("street", "community", "grid")


def effective_level(event: GridEvent) -> int:
    """The level that coordinates the event: a share with a district department (L3) leaves the
    event with the level that had it before, which keeps coordinating its summonses."""
    if event.level == 3:
        share = live_share(event.id)
        return share.level_before if share is not None else 2
    return event.level


def coordinator_path(event: GridEvent) -> str:
    """Where the event is coordinated: the community above its grid at L1, the street from L2 up."""
    if effective_level(event) == 1 and event.grid_id is not None:
        grid = db.session.get(OrgUnit, event.grid_id)
        community = db.session.get(OrgUnit, grid.parent_id) if grid.parent_id else None
        if community is not None:
            return community.path
    return db.session.scalar(select(OrgUnit.path).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))


def summon(event: GridEvent, unit_ids: list[int], resident_unit_ids: list[int], departments: list[str],
           mandatory: bool, reason: str) -> list[Summons]:
    """T27/E9 on a locked event: one child task per unit or department, each with its sign clock."""
    ctx = current()
    if event.state in TERMINAL:
        raise Refused(_("已办结的事件不能吹哨"))
    if effective_level(event) not in (1, 2):
        raise Refused(_("吹哨须由社区或街道统筹：请先将事件上报到社区"))
    if not ctx.can("grid.event.summon", coordinator_path(event)):
        raise Refused(_("只有统筹本事件的社区或街道可以吹哨"))
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids), OrgUnit.kind.in_(SUMMONABLE))))
    residents = list(db.session.scalars(select(ResidentUnit).where(ResidentUnit.id.in_(resident_unit_ids))))
    if len(units) != len(set(unit_ids)) or len(residents) != len(set(resident_unit_ids)):
        raise Refused(_("所选单位不存在"))
    waiting = open_names(event.id)
    targets = ([{"unit_id": u.id, "name": u.name} for u in units]
               + [{"resident_unit_id": r.id, "name": r.name} for r in residents]
               + [{"department": d, "name": d} for d in departments])
    again = [t["name"] for t in targets if t["name"] in waiting]
    if again:
        raise Refused(_("%(u)s 已被吹哨，尚未反馈", u="、".join(again)))
    now = clock.utcnow()
    due = calendar().add(now, *SIGN_LIMIT[event.urgency])
    rows = []
    for target in targets:
        name = target.pop("name")
        row = Summons(event_id=event.id, mandatory=mandatory, dispatched_at=now, sign_due=due.due,
                       deadline_explain={**due.as_json(), "text": f"报到时限 {due.explain()}"},
                       created_by=ctx.user_id, **target)
        db.session.add(row)
        rows.append((row, name))
    event.version += 1
    _log(event, "E9", "summon", reason, {"units": [n for _r, n in rows], "mandatory": mandatory,
                                         "sign_due": due.due.isoformat()})
    db.session.flush()
    summoned(event, [r for r, _n in rows])
    return [r for r, _n in rows]


def load_for_update(summons_id: int) -> Summons:
    row = db.session.scalars(lock_for_update(select(Summons).where(Summons.id == summons_id))).first()
    if row is None:
        raise LookupError(summons_id)
    return row


def sign(row: Summons) -> Summons:
    """报到: the summoned unit confirms it is on the case; the time is kept for 按时签收率."""
    event = _answerable(row)
    if row.signed_at is not None:
        raise Refused(_("该单位已报到"))
    now = clock.utcnow()
    row.signed_at, row.signed_by = now, current().user_id
    on_time = clock.aware(now) <= clock.aware(row.sign_due)
    _log(event, "E9-SIGN", "summon_sign", None, {"unit": name_of(row), "on_time": on_time})
    db.session.flush()
    return row


def respond(row: Summons, text: str) -> Summons:
    """The unit's answer (what it did or will do); answering also signs a unit that had not yet."""
    event = _answerable(row)
    if row.responded_at is not None:
        raise Refused(_("该单位已反馈"))
    if row.signed_at is None:
        sign(row)
    row.responded_at, row.response, row.responded_by = clock.utcnow(), text, current().user_id
    _log(event, "E9-RESP", "summon_respond", text, {"unit": name_of(row)})
    db.session.flush()
    return row


def _answerable(row: Summons) -> GridEvent:
    """The summoned unit's own staff answer, or the coordinator records it for them (an outside
    department usually answers by phone)."""
    event = db.session.get(GridEvent, row.event_id)
    if event.state in TERMINAL:
        raise Refused(_("事件已办结"))
    ctx = current()
    path = None
    if row.unit_id is not None:
        path = db.session.get(OrgUnit, row.unit_id).path
    elif row.resident_unit_id is not None:
        resident = db.session.get(ResidentUnit, row.resident_unit_id)
        unit = db.session.get(OrgUnit, resident.org_unit_id) if resident.org_unit_id else None
        path = unit.path if unit else None
    if path is not None and ctx.can("grid.event.handle", path):
        return event
    if ctx.can("grid.event.summon", coordinator_path(event)):
        return event
    raise Refused(_("只有被吹哨的单位或统筹的社区、街道可以登记报到和反馈"))


def _log(event, code, action, reason, payload) -> None:
    db.session.add(Transition(event_id=event.id, code=code, action=action, from_state=event.state,
                              to_state=event.state, actor_id=current().user_id, reason=reason, payload=payload))


def of_event(event_id: int) -> list[Summons]:
    """The event's summonses with a ``name`` for each, oldest first (two queries whatever the count)."""
    rows = list(db.session.scalars(select(Summons).where(Summons.event_id == event_id).order_by(Summons.id)))
    names = _names(rows)
    for row in rows:
        row.name = names[row.id]
    return rows


def _names(rows) -> dict[int, str]:
    unit_ids = {r.unit_id for r in rows if r.unit_id}
    resident_ids = {r.resident_unit_id for r in rows if r.resident_unit_id}
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids))).all()) \
        if unit_ids else {}
    residents = dict(db.session.execute(select(ResidentUnit.id, ResidentUnit.name).where(
        ResidentUnit.id.in_(resident_ids))).all()) if resident_ids else {}
    return {r.id: units.get(r.unit_id) if r.unit_id else residents.get(r.resident_unit_id) if r.resident_unit_id
            else r.department for r in rows}


def name_of(row: Summons) -> str:
    return _names([row])[row.id] or ""


def open_names(event_id: int) -> set[str]:
    rows = list(db.session.scalars(select(Summons).where(Summons.event_id == event_id,
                                                          Summons.responded_at.is_(None))))
    return set(_names(rows).values())


def unanswered_mandatory(event_id: int) -> list[str]:
    """Names of mandatory summonses still without an answer: the event cannot close while any is left."""
    rows = list(db.session.scalars(select(Summons).where(Summons.event_id == event_id, Summons.mandatory.is_(True),
                                                          Summons.responded_at.is_(None))))
    return sorted(_names(rows).values())


def colour(row: Summons, now=None) -> str:
    """done once signed; otherwise green → yellow (75%) → orange (90%) → red when the sign limit passes."""
    if row.signed_at is not None:
        return "done"
    now = now or clock.utcnow()
    due, start = clock.aware(row.sign_due), clock.aware(row.dispatched_at)
    if now >= due:
        return "red"
    used = (now - start).total_seconds() / ((due - start).total_seconds() or 1)
    return "orange" if used >= 0.9 else "yellow" if used >= 0.75 else "green"
