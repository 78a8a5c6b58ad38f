"""Honest statistics (docs/grid.md §6, §7): every figure with its formula, open overdue events
kept in the denominator, consultations counted in person-times, small samples not ranked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, func, or_, select, true

from core.api import OrgUnit, clock, db

from . import figures
from .categories import BUCKETS
from .models import Category, GridEvent, Transition

EXCLUDED = ("REJECTED", "MERGED", "CANCELLED")
SOLVED = ("RESOLVED", "RESOLVED_ON_SPOT")
NO_CASE_CLOCK = ("CONSULT_ANSWERED", "RESOLVED_ON_SPOT")


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] as whole days in Asia/Shanghai, returned in UTC."""
    lo = datetime.combine(start, time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end, time.max, tzinfo=clock.SHANGHAI)
    return lo.astimezone(clock.timezone_utc()), hi.astimezone(clock.timezone_utc())


def _join_category():
    return and_(Category.id == GridEvent.category_id, Category.tenant_id == GridEvent.tenant_id)


def _in(units):
    """Events of a part of the tree (located there or handled there); everything when None."""
    if units is None:
        return true()
    return or_(GridEvent.grid_id.in_(units), GridEvent.handler_unit_id.in_(units),
               and_(GridEvent.grid_id.is_(None), GridEvent.community_id.in_(units)))


def buckets(start: date, end: date, units=None) -> dict[str, dict[str, int]]:
    """Per bucket: solved (closed RESOLVED or RESOLVED_ON_SPOT by closed_at; consultations in
    person-times), partly resolved, unresolvable (explained), and the cases created in the period (a report
    merged into another case is a demand of that case, not a case of its own)."""
    lo, hi = bounds(start, end)
    closed_in = and_(GridEvent.closed_at >= lo, GridEvent.closed_at <= hi, GridEvent.state == "CLOSED")
    rows = db.session.execute(
        select(Category.bucket,
               func.sum(case((and_(closed_in, GridEvent.closure_type.in_(SOLVED)), 1), else_=0)),
               func.sum(case((and_(closed_in, GridEvent.closure_type == "CONSULT_ANSWERED"), GridEvent.demand_n), else_=0)),
               func.sum(case((and_(closed_in, GridEvent.closure_type == "PARTLY_RESOLVED"), 1), else_=0)),
               func.sum(case((and_(closed_in, GridEvent.closure_type == "UNRESOLVABLE_EXPLAINED"), 1), else_=0)),
               func.sum(case((and_(GridEvent.created_at >= lo, GridEvent.created_at <= hi,
                                   GridEvent.state != "MERGED"), 1), else_=0)))
        .join(Category, _join_category()).where(_in(units)).group_by(Category.bucket)).all()
    out = {b: {"solved": 0, "partly": 0, "unresolvable": 0, "cases": 0} for b in BUCKETS}
    for bucket, solved, answered, partly, unresolvable, cases in rows:
        out[bucket] = {"solved": int((answered if bucket == "CONSULTATION" else solved) or 0), "partly": int(partly or 0),
                       "unresolvable": int(unresolvable or 0), "cases": int(cases or 0)}
    return out


@dataclass
class Kpi:
    key: str
    label: object
    numerator: int
    denominator: int
    formula: object
    kind: str = "rate"  # rate | count
    #: in a frozen month, a figure the snapshot did not hold yet: shown as today's count, and said so
    unfrozen: bool = False

    @property
    def value(self) -> str:
        if self.kind == "count":
            return str(self.numerator)
        if not self.denominator:
            return "—"
        return f"{100 * self.numerator / self.denominator:.1f}%"


def kpis(start: date, end: date, units=None) -> list[Kpi]:
    lo, hi = bounds(start, end)
    E = GridEvent
    scope = _in(units)
    due = and_(E.case_deadline >= lo, E.case_deadline <= hi, E.state.not_in(EXCLUDED), E.state != "SUSPENDED", scope)
    due_n, on_time, closed = db.session.execute(select(
        func.count(), func.sum(case((E.case_on_time.is_(True), 1), else_=0)),
        func.sum(case((E.state == "CLOSED", 1), else_=0))).where(due)).one()
    in_scope = select(E.id).where(scope)
    checked = db.session.scalar(select(func.count(distinct(Transition.event_id))).where(
        Transition.at >= lo, Transition.at <= hi, Transition.action.in_(("check_fail", "check_pass")),
        Transition.event_id.in_(in_scope)))
    reworked = db.session.scalar(select(func.count(distinct(Transition.event_id))).where(
        Transition.at >= lo, Transition.at <= hi, Transition.action == "check_fail", Transition.event_id.in_(in_scope)))
    closed_in = and_(E.state == "CLOSED", E.closed_at >= lo, E.closed_at <= hi, scope)
    cb = dict(db.session.execute(select(E.callback_result, func.count()).where(closed_in, E.callback_result.is_not(None))
                                 .group_by(E.callback_result)).all())
    reached = cb.get("satisfied", 0) + cb.get("basic", 0) + cb.get("unsatisfied", 0)
    cases_closed, in_grid, resolved = db.session.execute(select(
        func.count(), func.sum(case((E.max_level == 0, 1), else_=0)),
        func.sum(case((E.closure_type.in_(("RESOLVED", "PARTLY_RESOLVED")), 1), else_=0)))
        .where(closed_in, or_(E.closure_type.is_(None), E.closure_type.not_in(NO_CASE_CLOCK)))).one()
    answered = db.session.scalar(select(func.coalesce(func.sum(E.demand_n), 0)).where(
        closed_in, E.closure_type == "CONSULT_ANSWERED"))
    on_spot = db.session.scalar(select(func.count()).where(closed_in, E.closure_type == "RESOLVED_ON_SPOT"))
    cases, demands = figures.intake(lo, hi, scope)
    sent = figures.dispatching(lo, hi, in_scope)
    called = figures.callbacks(lo, hi, in_scope)
    repeated = figures.repeats(lo, hi, in_scope)
    return kpi_list({
        "cases": (cases, 0), "demands": (demands, 0), "due": (int(due_n or 0), 0),
        "on_time": (int(on_time or 0), int(due_n or 0)), "closed": (int(closed or 0), int(due_n or 0)),
        "rework": (int(reworked or 0), int(checked or 0)),
        "satisfaction": (cb.get("satisfied", 0) + cb.get("basic", 0), reached),
        "in_grid": (int(in_grid or 0), int(cases_closed or 0)), "resolution": (int(resolved or 0), int(cases_closed or 0)),
        "dispatch_accuracy": (sent["dispatches"] - sent["errors"], sent["dispatches"]),
        "sign_on_time": (sent["signed_in_time"], sent["sign_due"]), "callback_rate": (called["reached"], called["due"]),
        "repeat": (repeated["repeated"], repeated["closed"]), "answered": (int(answered or 0), 0),
        "on_spot": (int(on_spot or 0), 0)})


#: every KPI, in the order pages show them: key -> (label, formula, rate or count)
KPIS = {
    "cases": (_l("本期受理（件）"), _l("本期上报的事件数；合并到其他事件的重复反映不另算一件"), "count"),
    "demands": (_l("诉求人次"), _l("本期上报事件的诉求人次合计；每合并一条重复反映，主事件加一人次"), "count"),
    "due": (_l("应结案数"), _l("期限在本期内的事件，不含挂账、不予立案、已合并、已撤销"), "count"),
    "on_time": (_l("按期结案率"), _l("应结案中按期结案的 ÷ 应结案数（仍未办结的超期事件留在分母中）"), "rate"),
    "closed": (_l("结案率"), _l("应结案中已结案的 ÷ 应结案数"), "rate"),
    "rework": (_l("返工率"), _l("本期核查不通过过的事件 ÷ 本期被核查过的事件（按事件计，不按次数）"), "rate"),
    "satisfaction": (_l("满意率"), _l("（满意 + 基本满意）÷ 成功回访数（无法联系的不计入）"), "rate"),
    "in_grid": (_l("网格内办结率"), _l("最高层级为网格的已结案事件 ÷ 已结案事件（不含当场答复和现场办结）"), "rate"),
    "resolution": (_l("解决率"), _l("已解决和部分解决 ÷ 已结案事件"), "rate"),
    "dispatch_accuracy": (_l("准确派遣率"), _l("1 −（本期因派遣错误而改派的次数 ÷ 本期派遣次数，含改派）"), "rate"),
    "sign_on_time": (_l("按时签收率"),
                     _l("在签收时限内签收的派遣 ÷ 本期派遣次数（未到时限且尚未签收的不计入；被退回而未签收的算未按时）"),
                     "rate"),
    "callback_rate": (_l("回访率"), _l("成功回访数 ÷ 应回访数（本期进入待回访的次数；无法联系的不算成功，未到回访时限的不计入）"),
                      "rate"),
    "repeat": (_l("重复诉求率"),
               _l("本期结案后被重新办理，或 30 天内在附近又出现同类新事件的 ÷ 本期结案事件（不含当场答复的咨询）"), "rate"),
    "answered": (_l("咨询答复数（人次）"), _l("当场答复的咨询，按诉求人次合计"), "count"),
    "on_spot": (_l("现场办结数"), _l("网格员现场办结的事件数"), "count"),
}


def kpi_list(counts) -> list[Kpi]:
    """The KPIs from their numerators and denominators by key (as :func:`kpi_counts` gives them)."""
    return [Kpi(key, label, int(counts[key][0]), int(counts[key][1]), formula, kind)
            for key, (label, formula, kind) in KPIS.items()]


def kpi_counts(kpis: list[Kpi]) -> dict[str, list[int]]:
    """The numbers of the KPIs alone (plain JSON, to cache), by key."""
    return {k.key: [k.numerator, k.denominator] for k in kpis}


def by_month(start: date, end: date, units=None) -> list[tuple[str, int]]:
    """Cases created per month (Asia/Shanghai; a merged duplicate is not a case), for the chart."""
    lo, hi = bounds(start, end)
    rows = db.session.scalars(select(GridEvent.created_at).where(GridEvent.created_at >= lo, GridEvent.created_at <= hi,
                                                                 GridEvent.state != "MERGED", _in(units)))
    counts: dict[str, int] = {}
    for at in rows:
        key = clock.aware(at).astimezone(clock.SHANGHAI).strftime("%Y-%m")
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items())


def by_community(start: date, end: date, units=None) -> list[dict]:
    """Cases, closures and the on-time rate per community, alphabetical (no ranking); a rate over
    fewer cases due than the minimum sample shows as "—"."""
    lo, hi = bounds(start, end)
    E = GridEvent
    grid_to_community = dict(db.session.execute(select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.kind == "grid")).all())
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "community")).all())
    rows = db.session.execute(select(
        E.grid_id, func.sum(case((E.state != "MERGED", 1), else_=0)),
        func.sum(case((and_(E.state == "CLOSED", E.closed_at >= lo, E.closed_at <= hi), 1), else_=0)),
        func.sum(case((and_(E.case_deadline >= lo, E.case_deadline <= hi, E.state.not_in(EXCLUDED),
                            E.state != "SUSPENDED"), 1), else_=0)),
        func.sum(case((and_(E.case_deadline >= lo, E.case_deadline <= hi, E.case_on_time.is_(True)), 1), else_=0)))
        .where(E.created_at >= lo, E.created_at <= hi, _in(units)).group_by(E.grid_id)).all()
    out: dict[int, dict] = {}
    for grid_id, cases, closed, due, on_time in rows:
        cid = grid_to_community.get(grid_id)
        row = out.setdefault(cid, {"name": names.get(cid, "—"), "cases": 0, "closed": 0, "due": 0, "on_time": 0})
        row["cases"] += int(cases or 0)
        row["closed"] += int(closed or 0)
        row["due"] += int(due or 0)
        row["on_time"] += int(on_time or 0)
    return sorted(out.values(), key=lambda r: r["name"])


HOTSPOT_WINDOW_DAYS = 90
HOTSPOT_STATES = {"watching": _l("观察中"), "stopped": _l("复发已止"), "continuing": _l("仍在复发")}


@dataclass
class Hotspot:
    """A proactive-governance task (主动治理, E7) and the 90-day "did the repeats stop?" indicator."""

    task: GridEvent
    before: int
    after: int
    state: str

    @property
    def state_label(self):
        return HOTSPOT_STATES[self.state]


def _repeat_counts(tasks: list[GridEvent]) -> dict[int, tuple[int, int]]:
    """New events of the task's category in the task's grid, 90 days before and after it was created
    (hotspot tasks, duplicates merged into another case, voided and rejected reports left out)."""

    if not tasks:
        return {}
    window = timedelta(days=HOTSPOT_WINDOW_DAYS)
    starts = [clock.aware(t.created_at) for t in tasks]
    rows = db.session.execute(select(GridEvent.category_id, GridEvent.grid_id, GridEvent.created_at).where(
        GridEvent.grid_id.in_({t.grid_id for t in tasks}), GridEvent.category_id.in_({t.category_id for t in tasks}),
        GridEvent.created_at >= min(starts) - window, GridEvent.created_at <= max(starts) + window,
        GridEvent.state.not_in(EXCLUDED), GridEvent.source != "PROACTIVE")).all()
    out = {}
    for task, start in zip(tasks, starts):
        mine = [clock.aware(at) for cat, grid, at in rows if cat == task.category_id and grid == task.grid_id]
        out[task.id] = (sum(1 for at in mine if start - window <= at < start),
                        sum(1 for at in mine if start < at <= start + window))
    return out


def hotspot_state(before: int, after: int, start, now) -> str:
    """Watching until 90 days have passed; then stopped when the repeats at least halved."""
    if now < clock.aware(start) + timedelta(days=HOTSPOT_WINDOW_DAYS):
        return "watching"
    return "stopped" if after * 2 <= before else "continuing"


def hotspots(units=None, task_id: int | None = None, now=None) -> list[Hotspot]:
    """Hotspot tasks, newest first, each with its before/after counts and state."""
    now = now or clock.utcnow()
    stmt = select(GridEvent).where(GridEvent.source == "PROACTIVE", GridEvent.grid_id.is_not(None),
                                   _in(units))
    if task_id is not None:
        stmt = stmt.where(GridEvent.id == task_id)
    tasks = list(db.session.scalars(stmt.order_by(GridEvent.created_at.desc(), GridEvent.id.desc()).limit(200)))
    counts = _repeat_counts(tasks)
    return [Hotspot(t, *counts[t.id], hotspot_state(*counts[t.id], t.created_at, now)) for t in tasks]
