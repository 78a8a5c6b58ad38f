"""Grid services: report, act on, and count events. They flush; the view or command commits."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core.api import clock, current, db, emit, lock_for_update, OrgUnit, WorkCalendar
from core import api

from . import events as ev
from . import authority, geo, notices, profiles
from .categories import STAGE_LIMITS, TEMPLATE
from .machine import ACTIONS, REOPEN_WINDOW, TERMINAL, Refused, Stale
from .models import Category, GridEvent, Transition

CALLBACK_SOURCES = ("RESIDENT", "PHONE_VISIT", "HOTLINE_12345")


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


def calendar() -> WorkCalendar:
    return api.work_calendar()


def stage_limit(event: GridEvent, stage: str, category: Category) -> tuple[float, str]:
    limit = STAGE_LIMITS[stage][event.urgency]
    return limit if limit is not None else (category.limit_value, category.limit_unit)


def set_stage(event: GridEvent, stage: str, category: Category, start=None) -> None:
    """Start the clock of ``stage`` now (or at ``start``), with its explanation."""
    start = start or clock.utcnow()
    value, unit = stage_limit(event, stage, category)
    deadline = calendar().add(start, value, unit)
    event.stage, event.stage_deadline = stage, deadline.due
    event.deadline_explain = {**(event.deadline_explain or {}), stage: deadline.as_json()}
    event.calendar_complete = event.calendar_complete and deadline.complete


def set_case_deadline(event: GridEvent, category: Category, start=None) -> None:
    """At first dispatch: handling limit plus the check allowance; never moved later except by T15/T12."""
    start = start or clock.utcnow()
    handle_value, handle_unit = stage_limit(event, "handle", category)
    cal = calendar()
    handled = cal.add(start, handle_value, handle_unit)
    check_value, check_unit = stage_limit(event, "check", category)
    case = cal.add(handled.due, check_value, check_unit)
    event.case_deadline = case.due
    event.deadline_explain = {**(event.deadline_explain or {}), "case": {
        **case.as_json(), "text": f"处置 {handled.explain()}；核查 {case.explain()}"}}


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
    _log(event, "T1", "submit", None, "SUBMITTED", actor_id, None, payload)
    case_no = api.attach_case(data.get("case_no"), event.title, kind="grid.event", object_id=event.id,
                              label=_("网格事件 %(r)s：%(t)s", r=event.ref_no, t=event.title), endpoint="grid.event",
                              unit_id=grid_id or _street_unit_id(), permission="grid.view", event_id=event.id)
    emit(ev.EventCreated(event_id=event.id, category=category.code, source=source, case_no=case_no))
    incident = _open_incident(category.id, grid_id)
    if incident is not None and incident.id != event.id:  # a known mass incident: one case, many demands
        incident.demand_n += 1
        incident.version += 1
        event.master_id, event.state, event.closed_at = incident.id, "MERGED", clock.utcnow()
        event.stage, event.stage_deadline = "closed", None
        _log(event, "T7", "merge", "SUBMITTED", "MERGED", actor_id, _("自动并入群体性事件 %(r)s", r=incident.ref_no))
        db.session.flush()
    notices.reported(event)
    return event


def _street_unit_id() -> int:
    """The street's root unit: where an event with no grid is seen from."""
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))


def _log(event, code, action, from_state, to_state, actor_id, reason, payload=None) -> None:
    db.session.add(Transition(event_id=event.id, code=code, action=action, from_state=from_state, to_state=to_state,
                              actor_id=actor_id, reason=reason, payload=payload or {}))


def lock_versioned(model, row_id: int, version: int | None):
    """Lock one row; a stale form version means someone else changed it first."""
    row = db.session.scalars(lock_for_update(select(model).where(model.id == row_id))).first()
    if row is None:
        raise LookupError(row_id)
    if version is not None and row.version != version:
        raise Stale(row_id)
    return row


def load_for_update(event_id: int, version: int | None) -> GridEvent:
    """Lock the event row; a stale form version means someone else acted first."""
    return lock_versioned(GridEvent, event_id, version)


def perform(event: GridEvent, name: str, data: dict) -> GridEvent:
    """Apply one action to a locked event; :raises Refused: with the reason, having changed nothing;
    :raises authority.NotPermitted: when the user holds the permission nowhere above the event's unit."""
    ctx = current()
    action = ACTIONS[name]
    authority.require(event, name)  # on the locked row: a re-dispatch may just have moved the handler
    if event.state not in action.sources:
        raise Refused(_("当前状态不能执行“%(a)s”", a=action.label))
    category = db.session.get(Category, event.category_id)
    now = clock.utcnow()
    before = event.state
    reason = data.get("reason")
    code = action.code
    to = globals()[f"_{name}"](event, category, data, now, ctx)
    if isinstance(to, tuple):
        to, code = to
    event.state = to
    event.version += 1
    _log(event, code, name, before, to, ctx.user_id, reason,
         {k: v for k, v in data.items() if k not in ("reason", "version") and v not in (None, "")})
    db.session.flush()
    notices.after_action(event, name, before, to, data)
    emit(ev.EventStateChanged(event_id=event.id, from_state=before, to_state=to, action=name))
    if to == "CLOSED" and before != "CLOSED":  # a sample re-check that passes closes nothing anew
        emit(ev.EventClosed(event_id=event.id, closure_type=event.closure_type or "", bucket=category.bucket,
                            source=event.source, assistants=data.get("assistants") or [],
                            case_no=api.case_number("grid.event", event.id) or ""))
    return event


def _close(event, closure_type, now) -> None:
    _summons_answered(event)
    event.closed_at, event.closure_type = now, closure_type
    if event.case_deadline is not None and event.case_on_time is None:
        event.case_on_time = clock.aware(now) <= clock.aware(event.case_deadline)  # frozen at closure
    event.stage, event.stage_deadline = "closed", None


def _accept(event, category, data, now, ctx):
    set_stage(event, "verify", category)
    return "VERIFYING"


def _register(event, category, data, now, ctx):
    set_stage(event, "dispatch", category)
    return "REGISTERED"


def _verify(event, category, data, now, ctx):
    set_stage(event, "dispatch", category)
    return "REGISTERED", "T8"


def _answer(event, category, data, now, ctx):
    if category.profile != "CONSULTATION":
        raise Refused(_("只有政策咨询类事项可以当场答复"))
    event.result = data["answer"]
    _close(event, "CONSULT_ANSWERED", now)
    return "CLOSED"


def _self_handle(event, category, data, now, ctx):
    if not category.self_handle_allowed or event.level != 0:
        raise Refused(_("该类别不允许网格员现场办结"))
    event.result, event.handled_by = data["result"], ctx.user_id
    _close(event, "RESOLVED_ON_SPOT", now)
    if secrets.randbelow(100) < sample_pct():  # the grid leader re-checks a sample of on-the-spot closures
        event.recheck = "due"
        _ask_for_recheck(event)
    return "CLOSED"


def sample_pct() -> int:
    """The street's share of self-handled closures drawn for re-check (grid.md §11, default 10%)."""
    return int(api.settings("grid").get("self_handle_sample_pct", 10))


def _ask_for_recheck(event) -> None:
    """Tell the grid's checkers (its leader) that this closure was drawn for re-check."""
    from .jobs import _grid_staff
    if event.grid_id is None:
        return
    checkers = _grid_staff(event.grid_id, "grid.event.check") - {event.handled_by}
    if not checkers:  # a grid without its own leader: the community's checkers re-check
        grid = api.org_unit(event.grid_id)
        if grid is not None and grid.parent_id is not None:
            checkers = _grid_staff(grid.parent_id, "grid.event.check") - {event.handled_by}
    api.notify(checkers, _("抽查复核：%(r)s %(t)s（现场办结）", r=event.ref_no, t=event.title), "grid.event",
               source="grid", event_id=event.id)


def _recheck(event, ctx) -> None:
    if event.recheck != "due":
        raise Refused(_("这件事没有被抽中复核"))
    if event.handled_by == ctx.user_id:
        raise Refused(_("复核须由办结人以外的人进行"))


def _recheck_pass(event, category, data, now, ctx):
    _recheck(event, ctx)
    event.recheck = "passed"
    return "CLOSED"


def _recheck_fail(event, category, data, now, ctx):
    """A failed sample reopens the case (T24) and counts as rework."""
    _recheck(event, ctx)
    if event.handled_by is not None:  # whoever closed it on the spot hears that it came back
        api.notify([event.handled_by], _("抽查复核不通过，已返工：%(r)s %(t)s", r=event.ref_no, t=event.title),
                   "grid.event", source="grid", event_id=event.id)
    event.recheck = "failed"
    event.rework_n += 1
    event.reopen_n += 1
    event.closed_at, event.closure_type, event.case_on_time = None, None, None
    set_stage(event, "handle", category)
    return "IN_PROGRESS"


def _reject(event, category, data, now, ctx):
    event.closure_type = None
    event.closed_at = now
    return "REJECTED"


def _merge(event, category, data, now, ctx):
    master = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.ref_no == data["master_ref"]))).first()
    if master is None or master.id == event.id or not authority.may(master, "merge"):
        raise Refused(_("主事件不存在"))  # one outside the user's units is not named either
    if master.state in TERMINAL:
        raise Refused(_("主事件已办结，不能合并"))
    if master.category_id != event.category_id:
        raise Refused(_("只能合并到同一类别的事件"))
    apart = distance(event, master)
    if apart is not None and apart > category.dup_radius_m and master.incident_until is None:
        raise Refused(_("主事件相距约 %(d)s 米，超出该类别的重复判定范围（%(r)s 米）", d=round(apart),
                        r=category.dup_radius_m))
    master.demand_n += event.demand_n
    master.version += 1
    _log(master, "T7M", "merged_in", master.state, master.state, ctx.user_id, data.get("reason"),
         {"ref_no": event.ref_no, "demand_n": master.demand_n})
    event.master_id = master.id
    return "MERGED"


def subscribe(event_id: int, name: str | None, phone: str, actor_id: int | None):
    """Someone reports what an open event already covers: they follow it instead of filing again, and
    the event counts one more demand (诉求人次). The same phone follows an event once."""
    from .models import Subscriber
    event = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.id == event_id))).first()
    if event is None or event.state in TERMINAL:
        raise Refused(_("该事件已办结，请作为新事件上报"))
    known = db.session.scalar(select(Subscriber.id).where(Subscriber.event_id == event.id, Subscriber.phone == phone))
    if known is not None or phone == event.reporter_phone:
        raise Refused(_("这个电话已在关注该事件"))
    db.session.add(Subscriber(event_id=event.id, name=name, phone=phone, created_by=actor_id))
    event.demand_n += 1
    event.version += 1
    _log(event, "SUB", "subscribe", event.state, event.state, actor_id, None, {"demand_n": event.demand_n})
    db.session.flush()
    return event


#: the stage whose clock runs again when a merge is undone, by the state the event was merged from
STAGE_OF = {"SUBMITTED": "accept", "VERIFYING": "verify", "REGISTERED": "dispatch"}


def _unmerge(event, category, data, now, ctx):
    """Undo a merge while the master is still open (grid.md §9): the event is its own case again,
    back in the state it was merged from, and the master loses its demand; both timelines say so."""
    master = db.session.scalars(lock_for_update(select(GridEvent).where(GridEvent.id == event.master_id))).first()
    if master is None or master.state in TERMINAL:
        raise Refused(_("主事件已办结，不能撤销合并"))
    merged = db.session.scalars(select(Transition).where(Transition.event_id == event.id, Transition.code == "T7")
                                .order_by(Transition.id.desc()).limit(1)).first()
    back = merged.from_state if merged is not None and merged.from_state in STAGE_OF else "SUBMITTED"
    master.demand_n = max(1, master.demand_n - event.demand_n)
    master.version += 1
    _log(master, "T7U", "unmerge", master.state, master.state, ctx.user_id, data.get("reason"),
         {"ref_no": event.ref_no})
    event.master_id, event.closed_at = None, None
    set_stage(event, STAGE_OF[back], category)
    return back


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


def _dispatch(event, category, data, now, ctx):
    unit = db.session.get(OrgUnit, data["handler_unit_id"])
    if unit is None or unit.kind not in ("grid", "community", "street"):
        raise Refused(_("请选择本单位的网格、社区或街道作为处置单位"))
    event.handler_unit_id = unit.id
    if event.case_deadline is None:
        set_case_deadline(event, category, now)
    set_stage(event, "sign", category)
    return "DISPATCHED"


def _sign(event, category, data, now, ctx):
    _handler_in_scope(event, ctx)
    event.stage, event.stage_deadline = "handle", event.case_deadline
    if "case" in (event.deadline_explain or {}):
        event.deadline_explain = {**event.deadline_explain, "handle": event.deadline_explain["case"]}
    return "IN_PROGRESS"


def _return(event, category, data, now, ctx):
    _handler_in_scope(event, ctx)
    set_stage(event, "dispatch", category)
    return "RETURN_REQUESTED"


def _redispatch(event, category, data, now, ctx):
    event.return_n += 1
    if event.return_n >= 2:  # T14 / E6: ping-pong goes up a level, which decides responsibility
        _raise_level(event, "E6", now)
        set_stage(event, "dispatch", category)
        return "REGISTERED", "T14"
    if data.get("dispatch_error"):
        set_case_deadline(event, category, now)
    return _dispatch(event, category, data, now, ctx), "T12"


def _refuse_return(event, category, data, now, ctx):
    event.stage, event.stage_deadline = "handle", event.case_deadline
    return "IN_PROGRESS"


def _extend(event, category, data, now, ctx):
    if event.extension_n >= 2:
        raise Refused(_("已延期两次，不能再延期"))
    if event.stage_deadline is not None and clock.aware(now) > clock.aware(event.stage_deadline):
        raise Refused(_("延期须在期限届满前申请"))
    days = int(data["days"])
    extended = calendar().add(event.case_deadline, days, "working_day")
    event.case_deadline = extended.due
    event.deadline_explain = {**(event.deadline_explain or {}), "case": {
        **extended.as_json(), "text": f"延期 {extended.explain()}（第 {event.extension_n + 1} 次延期）"},
        "handle": {**extended.as_json(), "text": f"延期 {extended.explain()}"}}
    event.stage_deadline = event.case_deadline
    event.extension_n += 1
    return "IN_PROGRESS", "T15"


def _suspend(event, category, data, now, ctx):
    if event.case_deadline is not None and clock.aware(now) > clock.aware(event.case_deadline):
        raise Refused(_("已超期的事件不能挂账：挂账须在结案时限前批准"))
    if event.case_deadline is not None:
        event.suspended_remaining_s = int((clock.aware(event.case_deadline) - clock.aware(now)).total_seconds())
    event.stage, event.stage_deadline = "suspended", None
    return "SUSPENDED"


def _resume(event, category, data, now, ctx):
    remaining = max(event.suspended_remaining_s or 0, 0)
    floor = calendar().add(now, 1, "working_day")
    event.case_deadline = max(clock.aware(now) + timedelta(seconds=remaining), floor.due)
    text = f"挂账恢复：恢复剩余时间，至少 1 个工作日（{floor.explain()}）"
    event.deadline_explain = {**(event.deadline_explain or {}), "case": {"text": text}, "handle": {"text": text}}
    event.stage, event.stage_deadline, event.suspended_remaining_s = "handle", event.case_deadline, None
    return "IN_PROGRESS"


def _handler_in_scope(event, ctx) -> None:
    """Only the handling unit (or someone above it) signs for, returns or hands in the work."""
    if event.handler_unit_id is None:
        return
    unit = db.session.get(OrgUnit, event.handler_unit_id)
    if not ctx.can("grid.event.handle", unit.path):
        raise Refused(_("只有处置单位的人员可以办理这一步"))


def _summons_answered(event) -> None:
    """A mandatory summons (吹哨) must be answered before the work is handed in or the event closed."""
    from .summons import unanswered_mandatory
    waiting = unanswered_mandatory(event.id)
    if waiting:
        raise Refused(_("%(u)s 是必须到场的吹哨单位，尚未反馈，不能办结", u="、".join(waiting)))


def _submit_result(event, category, data, now, ctx):
    _handler_in_scope(event, ctx)
    _summons_answered(event)
    event.result, event.closure_type, event.handled_by = data["result"], data["closure_type"], ctx.user_id
    set_stage(event, "check", category)
    return "AWAITING_CHECK"


def _independent(event, ctx) -> None:
    if event.handled_by is not None and event.handled_by == ctx.user_id:
        raise Refused(_("核查须由处置人以外的人员进行"))


def _check_fail(event, category, data, now, ctx):
    _independent(event, ctx)
    event.check_n += 1
    event.rework_n += 1
    rework = calendar().add(now, *stage_limit(event, "handle", category)).due
    event.stage, event.stage_deadline = "handle", max(rework, clock.aware(event.case_deadline or rework))
    emit(ev.CheckResult(event_id=event.id, passed=False, reason=data.get("reason") or ""))
    if event.rework_n >= 3 and event.level < 2:  # E5: three failed checks go up a level
        _raise_level(event, "E5", now)
    return "IN_PROGRESS"


def _check_pass(event, category, data, now, ctx):
    _independent(event, ctx)
    event.check_n += 1
    emit(ev.CheckResult(event_id=event.id, passed=True))
    if event.source in CALLBACK_SOURCES and event.reporter_phone:
        set_stage(event, "callback", category)
        return "AWAITING_CALLBACK", "T20"
    _close(event, event.closure_type or "RESOLVED", now)
    return "CLOSED", "T21"


def _callback_attempt(event, category, data, now, ctx):
    """A call that did not get through; three of them over two working days allow "unreachable"."""
    return "AWAITING_CALLBACK", "CB"


def _attempts(event) -> list:
    return list(db.session.scalars(select(Transition.at).where(Transition.event_id == event.id,
                                                               Transition.action == "callback_attempt")
                                   .order_by(Transition.at)))


def _callback(event, category, data, now, ctx):
    result = data["callback_result"]
    if result == "unreachable":
        attempts = [clock.aware(a) for a in _attempts(event)]
        spread = len(attempts) >= 3 and calendar().add(attempts[0], 2, "working_day").due <= clock.aware(now)
        if not spread:
            raise Refused(_("须在至少 2 个工作日内回访 3 次未接通，才能记为无法联系（已回访 %(n)s 次）", n=len(attempts)))
    event.callback_result = result
    if result == "unsatisfied":
        event.stage, event.stage_deadline = "handle", event.case_deadline
        return "IN_PROGRESS", "T23"
    _close(event, event.closure_type or "RESOLVED", now)
    return "CLOSED", "T22"


def _reopen(event, category, data, now, ctx):
    if event.closed_at is None or clock.aware(now) - clock.aware(event.closed_at) > REOPEN_WINDOW:
        raise Refused(_("已超过 15 天的重新办理期限"))
    event.reopen_n += 1
    event.closed_at, event.closure_type, event.result, event.callback_result = None, None, None, None
    set_stage(event, "handle", category)
    return "IN_PROGRESS"


def _raise_level(event, rule: str, now) -> None:
    if event.level >= 2:
        raise Refused(_("已在街道层级，不能再上报"))
    event.level += 1
    event.max_level = max(event.max_level, event.level)
    emit(ev.EventEscalated(event_id=event.id, level=event.level, rule=rule))


def _declare_incident(event, category, data, now, ctx):
    """One case with many demands: reports of this category in this grid join it until it ends."""
    event.incident_until = clock.aware(now) + timedelta(hours=int(data["hours"]))
    return event.state


def _open_incident(category_id: int, grid_id: int | None) -> GridEvent | None:
    if grid_id is None:
        return None
    return db.session.scalars(lock_for_update(select(GridEvent).where(
        GridEvent.category_id == category_id, GridEvent.grid_id == grid_id, GridEvent.incident_until > clock.utcnow(),
        GridEvent.state.not_in(TERMINAL)).order_by(GridEvent.id).limit(1))).first()


def _escalate(event, category, data, now, ctx):
    _raise_level(event, "E8", now)
    return event.state


def _cancel(event, category, data, now, ctx):
    if event.handler_unit_id is not None and not api.can("grid.event.void", authority.event_unit(event)):
        raise Refused(_("已派遣的事件须经上级批准才能撤销"))
    event.stage, event.stage_deadline = "closed", None
    return "CANCELLED"


def available_actions(event: GridEvent) -> list:
    """The actions this user may take now; ones the category rules out are not offered at all."""
    ctx = current()
    category = db.session.get(Category, event.category_id)
    hidden = set()
    if category.profile != "CONSULTATION":
        hidden.add("answer")
    if not category.self_handle_allowed or event.level != 0:
        hidden.add("self_handle")
    if event.extension_n >= 2:
        hidden.add("extend")
    if event.incident_until is not None:
        hidden.add("declare_incident")
    if event.recheck != "due" or event.handled_by == ctx.user_id:
        hidden.update(("recheck_pass", "recheck_fail"))  # only a drawn closure, and never by whoever closed it
    if event.state == "MERGED" and (event.master_id is None
                                    or db.session.get(GridEvent, event.master_id).state in TERMINAL):
        hidden.add("unmerge")  # a merge is undone only while its master is open
    return [a for a in ACTIONS.values()
            if event.state in a.sources and a.name not in hidden and authority.may(event, a.name)]


def sla_colour(event: GridEvent, now=None) -> str:
    """green, yellow (75%), orange (90%), red (100%) of the running stage's limit."""
    return sla_colour_at(event.state, event.stage_deadline, event.created_at, now)


def sla_colour_at(state: str, stage_deadline, created_at, now=None) -> str:
    """:func:`sla_colour` from the three values it needs (lists select only those)."""
    if state in TERMINAL or stage_deadline is None:
        return "none"
    now = now or clock.utcnow()
    due = clock.aware(stage_deadline)
    if now >= due:
        return "red"
    started = clock.aware(created_at)
    span = (due - started).total_seconds() or 1
    used = (now - started).total_seconds() / span
    return "orange" if used >= 0.9 else "yellow" if used >= 0.75 else "green"






def search_events(query: str, limit: int) -> list:
    from flask import url_for

    from core.api import SearchHit
    from core.api import units_within
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
    from sqlalchemy import String, cast, delete, update

    from .models import MediationCase, Subscriber
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
    from .models import Subscriber
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
    _log(event, "RC", "root_cause", event.state, event.state, current().user_id, text)
    db.session.flush()
