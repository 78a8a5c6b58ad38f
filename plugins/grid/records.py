"""What a service log carries beyond its summary (docs/grid.md §2, §8): 代办 (proxy services),
调解 (mediation cases with meetings, agreement, follow-ups and hand-off) and the care visit plans
(关爱走访) that home visits move on. Services flush; the view or job commits."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.api import OrgUnit, clock, current, db, lock_for_update

from .deadlines import calendar
from .machine import Refused
from .models import (
    FOLLOW_UP_DAYS,
    Category,
    GridEvent,
    MediationCase,
    MediationLog,
    Patrol,
    ProxyService,
    ServiceLog,
    VisitPlan,
)
from .rows import lock_versioned


def today() -> date:
    """Today in Beijing, whatever the server's zone: reminders and due dates are Beijing dates."""
    return clock.utcnow().astimezone(clock.SHANGHAI).date()




# --- households ----------------------------------------------------------------------------------


def households(grid: OrgUnit) -> list[tuple[int, str]]:
    """The grid's households as (id, "3栋 101"), for choosing one in a form."""
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(grid.path),
                                                          OrgUnit.kind.in_(("building", "household")))
                                    .order_by(OrgUnit.path).limit(3000)))
    buildings = {u.id: u.name for u in units if u.kind == "building"}
    return [(u.id, f"{buildings.get(u.parent_id, '')} {u.name}".strip()) for u in units if u.kind == "household"]


def household_in(grid: OrgUnit, household_id: int) -> OrgUnit:
    unit = db.session.get(OrgUnit, household_id)
    if unit is None or unit.kind != "household" or not unit.path.startswith(grid.path):
        raise Refused(_("请选择本网格的户"))
    return unit


def grid_of(household: OrgUnit) -> OrgUnit | None:
    """A household's grid is the grid above its building in the core tree."""
    ids = [int(p) for p in household.path.strip("/").split("/") if p]
    return db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids), OrgUnit.kind == "grid")).first()


# --- proxy services (代办) -----------------------------------------------------------------------


def add_proxy(log: ServiceLog, data: dict) -> ProxyService:
    row = ProxyService(log_id=log.id, grid_id=log.grid_id, items=data["items"], docs_in=data.get("docs_in") or "",
                       docs_in_on=data.get("docs_in_on"))
    db.session.add(row)
    db.session.flush()
    return row


def update_proxy(proxy_id: int, data: dict) -> ProxyService:
    """Record progress; once done or handed back to the resident the record is closed."""
    row = lock_versioned(ProxyService, proxy_id, data.pop("version"))
    if row.status != "in_progress":
        raise Refused(_("这项代办已经办结，不能再修改"))
    if data.get("docs_out") and data.get("docs_out_on") and row.docs_in_on and data["docs_out_on"] < row.docs_in_on:
        raise Refused(_("退还材料的日期不能早于收取日期"))
    row.status = data["status"]
    if data.get("docs_out"):
        row.docs_out, row.docs_out_on = data["docs_out"], data["docs_out_on"]
    if data.get("ack_name"):
        row.ack_name, row.ack_method = data["ack_name"], data["ack_method"]
        row.ack_at = data.get("ack_at") or clock.utcnow()
    row.version += 1
    db.session.flush()
    return row


# --- mediation cases (调解) ----------------------------------------------------------------------


def open_mediation(grid_id: int, title: str, parties: list, log_id: int | None = None,
                   event_id: int | None = None) -> MediationCase:
    row = MediationCase(grid_id=grid_id, title=title[:100], parties=parties, log_id=log_id,
                        event_id=event_id, responsible_id=current().user_id)
    db.session.add(row)
    db.session.flush()
    return row


def mediate_event(event: GridEvent, parties: list) -> MediationCase:
    """A dispute event (矛盾纠纷) gets one mediation case, in the event's grid."""
    category = db.session.get(Category, event.category_id)
    if category.profile != "DISPUTE":
        raise Refused(_("只有矛盾纠纷类事件可以开始调解"))
    if event.grid_id is None:
        raise Refused(_("请先为事件确定网格"))
    locked = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.id == event.id))).one()
    if case_of_event(locked.id) is not None:
        raise Refused(_("这个事件已经有调解记录"))
    return open_mediation(locked.grid_id, locked.title, parties, event_id=locked.id)


def case_of_event(event_id: int) -> MediationCase | None:
    return db.session.scalars(select(MediationCase).where(MediationCase.event_id == event_id)).first()


def follow_up_dates(case: MediationCase) -> dict[int, date]:
    """Follow-ups fall 7 and 30 calendar days after the agreement (Beijing dates)."""
    if case.agreement_on is None:
        return {}
    return {day: case.agreement_on + timedelta(days=day) for day in FOLLOW_UP_DAYS}


def entries(case_id: int) -> list[MediationLog]:
    return list(db.session.scalars(select(MediationLog).where(MediationLog.case_id == case_id).order_by(MediationLog.id)))


def _not_in_future(day: date) -> None:
    if day > today():
        raise Refused(_("日期不能晚于今天"))


def add_meeting(case_id: int, data: dict) -> MediationLog:
    case = lock_versioned(MediationCase, case_id, None)
    if case.handoff_on is not None:
        raise Refused(_("已移交人民调解委员会，不再记录网格调解"))
    _not_in_future(data["held_on"])
    row = MediationLog(case_id=case.id, kind="meeting", held_on=data["held_on"], place=data["place"],
                       mediators=data["mediators"], outcome=data["outcome"], actor_id=current().user_id)
    db.session.add(row)
    case.version += 1
    db.session.flush()
    return row


def record_agreement(case_id: int, data: dict) -> MediationCase:
    """The agreement is recorded once; its date fixes the two follow-up dates."""
    case = lock_versioned(MediationCase, case_id, data["version"])
    if case.agreement_on is not None:
        raise Refused(_("调解协议已经记录"))
    if case.handoff_on is not None:
        raise Refused(_("已移交人民调解委员会"))
    _not_in_future(data["agreement_on"])
    case.agreement_text, case.agreement_on = data["agreement_text"], data["agreement_on"]
    case.version += 1
    db.session.flush()
    return case


def add_follow_up(case_id: int, data: dict) -> MediationLog:
    case = lock_versioned(MediationCase, case_id, data["version"])
    if case.agreement_on is None:
        raise Refused(_("达成调解协议后才有回访"))
    day = data["follow_up_day"]
    if any(e.kind == "follow_up" and e.follow_up_day == day for e in entries(case.id)):
        raise Refused(_("第 %(d)s 天回访已经记录", d=day))
    if data["held_on"] < case.agreement_on:
        raise Refused(_("回访日期不能早于协议日期"))
    _not_in_future(data["held_on"])
    row = MediationLog(case_id=case.id, kind="follow_up", held_on=data["held_on"], follow_up_day=day,
                       outcome=data["outcome"], actor_id=current().user_id)
    db.session.add(row)
    case.version += 1
    db.session.flush()
    return row


def hand_off(case_id: int, data: dict) -> MediationCase:
    """Beyond the grid's reach: the case goes to the people's mediation committee (人民调解委员会)."""
    case = lock_versioned(MediationCase, case_id, data["version"])
    if case.handoff_on is not None:
        raise Refused(_("已经移交"))
    _not_in_future(data["handoff_on"])
    case.handoff_on, case.handoff_reason = data["handoff_on"], data["handoff_reason"]
    case.version += 1
    db.session.flush()
    return case


# --- care visit plans (关爱走访) ------------------------------------------------------------------


def next_working_day(day: date) -> date:
    """Due dates land on a working day of the street's calendar (调休 included)."""
    cal = calendar()
    while not cal.is_working(day):
        day += timedelta(days=1)
    return day


def add_plan(data: dict) -> VisitPlan:
    household = db.session.get(OrgUnit, data["household_id"])
    if household is None or household.kind != "household":
        raise Refused(_("请选择户"))
    grid = grid_of(household)
    if grid is None:
        raise Refused(_("这户不在任何网格内"))
    if not current().can("grid.sensitive.view", grid.path):
        raise Refused(_("只能为自己负责的网格建立关爱计划"))
    plan = VisitPlan(household_id=household.id, grid_id=grid.id, care_type=data["care_type"],
                     cadence_days=data["cadence_days"], next_due=data["next_due"], note=data.get("note") or "",
                     created_by=current().user_id)
    db.session.add(plan)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the same household and care type, perhaps added at the same moment
        raise Refused(_("这户已有同类关爱计划")) from exc
    return plan


def visited(household_id: int, at: datetime) -> int:
    """A home visit moves the household's plans on: next due = visit day + cadence, on a working day.
    An older visit entered late never moves a plan back."""
    moved = 0
    plans = db.session.scalars(lock_for_update(select(VisitPlan).where(VisitPlan.household_id == household_id)))
    for plan in plans:
        if plan.last_visit_at is not None and clock.aware(plan.last_visit_at) >= clock.aware(at):
            continue
        plan.last_visit_at = at
        plan.next_due = next_working_day(clock.local(at).date() + timedelta(days=plan.cadence_days))
        moved += 1
    db.session.flush()
    return moved


def plans(grid_ids: set[int] | None, due_only: bool = False) -> list[VisitPlan]:
    """The care list in the user's part of the tree, soonest due first."""
    stmt = select(VisitPlan)
    if grid_ids is not None:
        stmt = stmt.where(VisitPlan.grid_id.in_(grid_ids))
    if due_only:
        stmt = stmt.where(VisitPlan.next_due <= today())
    return list(db.session.scalars(stmt.order_by(VisitPlan.next_due, VisitPlan.id).limit(2000)))


# --- convert to event (转为事件) ------------------------------------------------------------------


SOURCES = {"log": ServiceLog, "patrol": Patrol}


def source_row(kind: str, row_id: int):
    model = SOURCES.get(kind)
    return db.session.get(model, row_id) if model else None


def link_source(event: GridEvent, kind: str, row_id: int) -> None:
    """The log or patrol the event was converted from points at it, once."""
    model = SOURCES[kind]
    row = db.session.scalars(lock_for_update(select(model).where(model.id == row_id))).first()
    if row is None:
        raise Refused(_("原记录不存在"))
    if row.event_id is not None:
        raise Refused(_("这条记录已经转为事件"))
    row.event_id = event.id
    db.session.flush()

