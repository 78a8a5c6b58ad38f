"""Grid pages: the intake queue, event detail with its timeline and actions, reporting (staff and
residents), statistics with formulas, dashboard widgets."""
from __future__ import annotations

import functools
import json
from datetime import date, datetime, timedelta
from http import HTTPStatus
from types import SimpleNamespace

from flask import Blueprint, abort, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import and_, bindparam, func, or_, select

from core import api
from core.api import (arg, as_id, audience, clock, current, db, district_rollup, example_args, form_data, get_or_404,
                      invalid_form, is_fragment_request, local_dt, OrgUnit, parse_date, parse_id, parse_moment,
                      path_filter, render_page_or_fragment, requires, see_other, tenant_url, units_within,
                      writes_on_get)

from . import authority, services, stats
from .categories import BUCKETS, LEVELS, SOURCES, STAFF_SOURCES, URGENCIES
from .machine import ACTIONS, CALLBACK_RESULTS, CLOSURES, REJECT_REASONS, RETURN_REASONS, STATE_LABELS, \
    SUSPEND_REASONS, TERMINAL, Refused, Stale
from .models import CHANGES, PRIORITY, Category, GridEvent, Share, Summons, Transition
from .schemas import ACTION_SCHEMAS, EventIn, PublicReportIn

bp = Blueprint("grid", __name__, template_folder="templates")
PAGE = 50
STATE_GROUPS = {
    "intake": ("SUBMITTED", "VERIFYING", "REGISTERED", "RETURN_REQUESTED"),
    "handling": ("DISPATCHED", "IN_PROGRESS", "SUSPENDED"),
    "checking": ("AWAITING_CHECK", "AWAITING_CALLBACK"),
    "done": TERMINAL,
}


_LABELS: dict[str, dict] = {}


def labels() -> dict:
    """Label tables translated once per language, not once per row."""
    from core.api import current_lang
    lang = current_lang()
    if lang not in _LABELS:
        _LABELS[lang] = {name: {k: str(v) for k, v in table.items()} for name, table in _label_tables().items()}
    return _LABELS[lang]


EXTRA_STEPS = {"summon": _l("吹哨报到"), "summon_sign": _l("吹哨单位报到"), "summon_respond": _l("吹哨单位反馈"),
               "summon_late": _l("吹哨单位超时未报到"), "share": _l("共享给区级部门"), "unshare": _l("撤回区级共享"),
               "root_cause": _l("填写根源分析"), "subscribe": _l("来电人登记关注"), "merged_in": _l("并入重复事件")}


def _label_tables() -> dict:
    return {"action_names": {**EXTRA_STEPS, **{name: a.label for name, a in ACTIONS.items()}}, "states": STATE_LABELS, "closures": CLOSURES, "bucket_names": BUCKETS, "urgencies": URGENCIES, "levels": LEVELS, "sources": SOURCES, "staff_sources": STAFF_SOURCES,
            "callback_results": CALLBACK_RESULTS, "reject_reasons": REJECT_REASONS,
            "return_reasons": RETURN_REASONS, "suspend_reasons": SUSPEND_REASONS}


def scoped(stmt):
    """Only events in the user's part of the tree: a grid worker sees their grid, a community its
    grids, a summoned unit the events it was called to."""
    units = units_within("grid.view")
    if units is None:
        return stmt
    summoned = select(Summons.event_id).where(Summons.unit_id.in_(units))
    return stmt.where(or_(GridEvent.grid_id.in_(units), GridEvent.handler_unit_id.in_(units), GridEvent.id.in_(summoned)))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.bucket, Category.code)))


def grids(scoped_to_user: bool = True) -> list[OrgUnit]:
    """Grids to choose from, community by community; staff see the grids of their own part of the tree."""
    stmt = select(OrgUnit).where(OrgUnit.kind == "grid")
    if scoped_to_user:
        stmt = scoped_units(stmt)
    from .profiles import retired_ids
    retired = retired_ids()  # grids merged into another take no new work
    rows = [u for u in db.session.scalars(stmt.limit(2000)) if u.id not in retired]
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({g.parent_id for g in rows}))).all())
    for unit in rows:
        unit.community_name = names.get(unit.parent_id, "")
    return sorted(rows, key=lambda u: (u.community_name, len(u.name), u.name))


# --- the queue ---------------------------------------------------------------------------------


@functools.cache
def _queue_select():
    """What a queue row shows, with its category and grid names joined in: one light query per page.
    Built once; each request adds only its filters."""
    return (select(GridEvent.id, GridEvent.ref_no, GridEvent.title, GridEvent.urgency, GridEvent.state,
                   GridEvent.stage_deadline, GridEvent.created_at, Category.name.label("category_name"),
                   OrgUnit.name.label("grid_name"))
            .outerjoin(Category, (Category.id == GridEvent.category_id) & (Category.tenant_id == GridEvent.tenant_id))
            .outerjoin(OrgUnit, (OrgUnit.id == GridEvent.grid_id) & (OrgUnit.tenant_id == GridEvent.tenant_id)))


@functools.lru_cache(maxsize=512)
def _queue_statement(group: str, filters: frozenset):
    """The queue's statement for one shape of filters (which ones are set, not their values), built
    once: the values are bound at execution, and building SQL costs more than running it."""
    stmt = _queue_select()
    if group in STATE_GROUPS:
        stmt = stmt.where(GridEvent.state.in_(STATE_GROUPS[group]))
    elif group == "open":
        stmt = stmt.where(GridEvent.state.not_in(TERMINAL))
    if "category" in filters:
        stmt = stmt.where(GridEvent.category_id == bindparam("category"))
    if "urgency" in filters:
        stmt = stmt.where(GridEvent.urgency == bindparam("urgency"))
    if "ref_no" in filters:
        stmt = stmt.where(or_(GridEvent.ref_no == bindparam("ref_no"),
                              GridEvent.title.startswith(bindparam("title_prefix"), escape="\\")))
    if "before_at" in filters:
        at = bindparam("before_at", type_=GridEvent.created_at.type)
        stmt = stmt.where(or_(GridEvent.created_at < at,
                              and_(GridEvent.created_at == at, GridEvent.id < bindparam("before_id"))))
    return stmt.order_by(GridEvent.created_at.desc(), GridEvent.id.desc()).limit(PAGE + 1)


def _cursor(raw: str) -> tuple[datetime, int]:
    """A page key of the event list: ``<created_at>_<id>`` of the last row shown."""
    at, _sep, ident = raw.partition("_")
    return parse_moment(at, clock.timezone_utc()), parse_id(ident)


@functools.cache
def _category_choices():
    return select(Category.id, Category.name).where(Category.active.is_(True)).order_by(Category.bucket, Category.code)


@bp.get("/")
@requires("grid.view")
def events():
    """Events, newest first, filtered by stage, category and urgency; the rows alone for htmx."""
    group = request.args.get("group", "open")
    params: dict = {}
    category = arg("category", parse_id)
    if category:
        params["category"] = category
    urgency = request.args.get("urgency")
    if urgency in URGENCIES:
        params["urgency"] = urgency
    q = request.args.get("q", "").strip()[:50]
    if q:
        # a title starting with what was typed: % and _ are letters here, not wildcards
        params.update(ref_no=q, title_prefix=q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
    before = arg("before", _cursor)
    if before:  # keyset paging on (created_at, id): constant cost whatever the page
        params.update(before_at=before[0], before_id=before[1])
    # scoped users (a grid worker, a community) add their part of the tree to the shared statement
    stmt = scoped(_queue_statement(group if group in STATE_GROUPS or group == "open" else "all", frozenset(params)))
    rows = db.session.execute(stmt, params).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    next_key = f"{clock.aware(rows[-1].created_at).isoformat()}_{rows[-1].id}" if more else None
    now = clock.utcnow()
    # colour and due times in Python, and plain tuples: the template only places strings
    rows = [(id_, ref_no, title, urgency, state, category_name or "", grid_name or "",
             services.sla_colour_at(state, deadline, created_at, now), local_dt(deadline, "yyyy-MM-dd'T'HH:mm"),
             local_dt(deadline, "MM-dd HH:mm"))
            for id_, ref_no, title, urgency, state, deadline, created_at, category_name, grid_name in rows]
    # the filter form's category choices are needed only for the whole page, not for the rows fragment
    cats = [] if is_fragment_request("event-rows") else [(str(i), name) for i, name in db.session.execute(_category_choices())]
    return render_page_or_fragment("grid/events.html", "grid/_event_rows.html", "event-rows", rows=rows, cats=cats,
                                   chosen_category=request.args.get("category", ""), group=group, args=request.args,
                                   next_key=next_key, base_url=tenant_url("grid.events"),
                                   **labels())


# --- reporting ----------------------------------------------------------------------------------


NEW_DEFAULTS = {"urgency": "NORMAL", "source": "GRID_PATROL"}


def _new_page(errors=None, form=None, status=HTTPStatus.OK):
    return render_template("grid/new.html", cats=categories(), grids=grids(), errors=errors or {},
                           form={**NEW_DEFAULTS, **(form or {})}, **labels()), status


@bp.get("/new")
@requires("grid.event.report")
def new():
    """Report an event in under a minute: category, place, what happened. Opened from a service log
    or a patrol finding (转为事件), the form comes prefilled and the event will link back."""
    form = {"grid_id": request.args.get("grid_id", "")}
    kind, row_id = request.args.get("from_kind", ""), arg("from_id", parse_id)
    if kind and row_id:
        form.update(_prefill_from(kind, row_id))
    return _new_page(form=form)


def _prefill_from(kind: str, row_id: int) -> dict:
    """The report form filled from a log or patrol of the user's grids; someone else's is 404."""
    from . import records
    row = records.source_row(kind, row_id)
    if row is None or row.grid_id not in {g.id for g in grids()}:
        abort(404)
    if kind == "log":
        text_, source = row.summary, "PHONE_VISIT" if row.form == "phone" else "GRID_PATROL"
    else:
        text_, source = row.findings, "GRID_PATROL"
    return {"grid_id": row.grid_id, "title": text_.splitlines()[0][:100] if text_ else "", "description": text_,
            "source": source, "from_kind": kind, "from_id": row.id}


@bp.post("/")
@requires("grid.event.report")
def create():
    from . import records
    fields_ = form_data()
    origin = (fields_.pop("from_kind", ""), fields_.pop("from_id", ""))
    try:
        data = EventIn().load(fields_)
        mine = {u.id for u in grids()}
        if data.get("grid_id") and data["grid_id"] not in mine:
            raise ValidationError({"grid_id": [_("只能在自己负责的网格上报")]})
        if not data.get("grid_id") and data.get("lat") is not None:
            from .profiles import locate
            found = locate(data["lng"], data["lat"])
            if found is not None and found.grid_id not in mine:
                raise ValidationError({"lat": [_("该位置属于其他网格，只能在自己负责的网格上报")]})
        source_row = None
        if origin[0]:
            row_id = as_id(origin[1])
            source_row = records.source_row(origin[0], row_id) if row_id else None
            if source_row is None or source_row.grid_id not in mine:
                abort(404)
        origin_ref = None
        if source_row is not None:
            origin_ref = {"kind": origin[0], "id": source_row.id, "grid_id": source_row.grid_id,
                          "at": clock.aware(source_row.occurred_at if origin[0] == "log" else source_row.started_at)
                          .isoformat()}
        event = services.report_event(data, data["source"], current().user_id, origin=origin_ref)
        if source_row is not None:
            records.link_source(event, origin[0], source_row.id)
    except ValidationError as err:
        db.session.rollback()
        return invalid_form("grid/new.html", "grid/_event_form.html", "event-form", cats=categories(), grids=grids(),
                            errors=err.messages, form={**NEW_DEFAULTS, **request.form.to_dict()}, **labels())
    except Refused as err:
        db.session.rollback()
        return _new_page({"_": [str(err)]}, request.form, HTTPStatus.UNPROCESSABLE_ENTITY)
    target = url_for("grid.event", event_id=event.id)
    db.session.commit()
    return see_other(target)


#: residents' reports from one address per hour (the public page and Open311 together)
REPORTS_PER_HOUR = 20


def public_reports_open() -> bool:
    """The street's switch for residents' reports without sign-in (the public page and Open311)."""
    return bool(api.settings("grid").get("public_reports", True))


@bp.route("/report", methods=["GET", "POST"])
@audience("public")
def public_report():
    """A resident reports a problem without signing in (QR posters lead here); rate-limited, spam-trapped."""
    from core.api import client_ip
    if not public_reports_open():
        abort(404)  # the street has closed its public report page
    settings_ok = True
    if request.method == "GET":
        grid_id = arg("grid_id", parse_id)
        if grid_id is not None:
            from .profiles import retired_ids, successor
            if grid_id in retired_ids():  # a poster of a grid since merged: report to the grid it joined
                grid_id = successor(grid_id)
        return render_template("grid/report.html", cats=categories(), grids=grids(False), errors={},
                               form={"grid_id": grid_id or ""}, done=None, enabled=settings_ok)
    try:
        data = PublicReportIn().load(form_data())
    except ValidationError as err:
        return render_template("grid/report.html", cats=categories(), grids=grids(False), errors=err.messages,
                               form=request.form, done=None, enabled=True), HTTPStatus.UNPROCESSABLE_ENTITY
    if not api.rate_limit(f"report:{client_ip()}", REPORTS_PER_HOUR, 60):  # counted in one statement
        db.session.commit()
        return render_template("grid/report.html", cats=categories(), grids=grids(False), form=request.form, done=None,
                               enabled=True, errors={"_": [_("提交过于频繁，请一小时后再试，或拨打社区电话")]}), \
            HTTPStatus.TOO_MANY_REQUESTS
    if data.pop("website"):  # a robot filled the invisible field: thank it, store nothing
        db.session.commit()
        return render_template("grid/report.html", done="E-RECEIVED", cats=[], grids=[], errors={}, form={},
                               enabled=True)
    try:
        event = services.report_event(data, "RESIDENT")
        upload = request.files.get("photo")
        if upload is not None and upload.filename:
            from . import photos
            photos.save(event.id, upload, "report")
    except Refused as err:
        db.session.rollback()
        return render_template("grid/report.html", cats=categories(), grids=grids(False), errors={"_": [str(err)]},
                               form=request.form, done=None, enabled=True), HTTPStatus.UNPROCESSABLE_ENTITY
    ref = event.ref_no
    db.session.commit()
    return render_template("grid/report.html", done=ref, cats=[], grids=[], errors={}, form={}, enabled=True)


# --- one event ----------------------------------------------------------------------------------


@functools.cache
def _detail_selects() -> dict:
    """The detail page's fixed queries, built once (each request only binds the event)."""
    from .models import Photo, Subscriber
    event_id = bindparam("event_id")
    return {
        "event": select(GridEvent).where(GridEvent.id == event_id),
        "timeline": select(Transition, api.Account.display_name)
        .outerjoin(api.Account, api.Account.id == Transition.actor_id)
        .where(Transition.event_id == event_id).order_by(Transition.id),
        "photos": select(Photo).where(Photo.event_id == event_id).order_by(Photo.id),
        "subscribers": select(Subscriber).where(Subscriber.event_id == event_id).order_by(Subscriber.id),
        "units": select(OrgUnit).where(OrgUnit.id.in_(bindparam("unit_ids", expanding=True))),
    }


def _event_context(event: GridEvent, errors=None, form=None, open_action=None) -> dict:
    q = _detail_selects()
    timeline = db.session.execute(q["timeline"], {"event_id": event.id}).all()
    category = db.session.get(Category, event.category_id)
    units = {u.id: u for u in db.session.scalars(
        q["units"], {"unit_ids": [x for x in (event.grid_id, event.handler_unit_id) if x]})}
    actions = services.available_actions(event)
    from . import shares, summons
    coordinating = (event.state not in TERMINAL and summons.effective_level(event) in (1, 2)
                    and current().has("grid.event.summon")
                    and current().can("grid.event.summon", summons.coordinator_path(event)))
    # the unit list is needed only when this user may dispatch or summon on this event now
    handlers = [] if not (coordinating or any("handler_unit_id" in a.fields for a in actions)) else [
        SimpleNamespace(id=id_, name=name, depth=path.count("/") - 1) for id_, name, path in db.session.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.path).where(OrgUnit.kind.in_(("grid", "community", "street")))
            .order_by(OrgUnit.path).limit(1000))]
    photo_rows = list(db.session.scalars(q["photos"], {"event_id": event.id}))
    subscribers = [] if event.demand_n <= 1 else list(db.session.scalars(q["subscribers"], {"event_id": event.id}))
    summoned = summons.of_event(event.id) if event.max_level >= 1 else []  # only L1/L2 summon
    from core.api import ResidentUnit
    residents = list(db.session.scalars(select(ResidentUnit).order_by(ResidentUnit.name).limit(500))) \
        if coordinating else []
    hotspot = stats.hotspots(task_id=event.id)[0] if event.source == "PROACTIVE" and event.grid_id else None
    return {"event": event, "category": category, "timeline": [t for t, _ in timeline], "units": units,
            "handlers": handlers, "photos": photo_rows, "subscribers": subscribers, "summons": summoned,
            "summon_colour": summons.colour,
            "coordinating": coordinating, "resident_units": residents,
            "share": shares.live_share(event.id) if event.level == shares.L3 else None, "hotspot": hotspot,
            "actors": {t.actor_id: name for t, name in timeline if name}, "actions": actions,
            "errors": errors or {}, "form": form or {},
            "open_action": open_action, "colour": services.sla_colour(event), "master": (
                db.session.get(GridEvent, event.master_id) if event.master_id else None), **labels()}


@bp.get("/<grid_event:event_id>")
@requires("grid.view")
def event(event_id: int):
    """One event: its status, deadlines with their reasons, the actions open to you, the timeline."""
    ev = _scoped_or_404(event_id)
    return _event_page(ev)


def _event_page(ev: GridEvent, status=HTTPStatus.OK, **extra):
    """The event page with what surrounds the card: where the event came from (its first timeline
    entry names the log or patrol it was converted from) and, for a dispute, its mediation case."""
    from . import records
    context = _event_context(ev, **{k: extra.pop(k) for k in ("errors", "form", "open_action") if k in extra})
    first = context["timeline"][0].payload if context["timeline"] else {}
    origin = first.get("from")
    if origin:
        origin = {**origin, "at": datetime.fromisoformat(origin["at"])}
    dispute = context["category"].profile == "DISPUTE"
    context.update({"origin": origin, "dispute": dispute,
                    "mediation": records.case_of_event(ev.id) if dispute else None, "mediation_errors": {},
                    "mediation_form": {}, **extra})
    return render_template("grid/event.html", **context), status


def _scoped_or_404(event_id: int) -> GridEvent:
    ev = db.session.scalars(scoped(_detail_selects()["event"]), {"event_id": event_id}).first()
    if ev is None:
        abort(404)
    return ev


@bp.post("/<grid_event:event_id>/act/<name>")
@requires("grid.view")
@example_args(name="accept")
def act(event_id: int, name: str):
    """Apply one action. htmx gets the status card and timeline back; a stale form gets 409."""
    action = ACTIONS.get(name)
    if action is None:
        abort(404)
    if not authority.may(_scoped_or_404(event_id), name):  # the grant must be on the event's own unit
        abort(403)
    try:
        data = ACTION_SCHEMAS[name]().load(form_data())
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action=name)
    try:
        ev = services.load_for_update(event_id, data.pop("version"))
        services.perform(ev, name, data)
    except Stale:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.CONFLICT,
                     errors={"_": [_("这个事件刚被其他人处理过，下面是最新状态，请确认后再操作")]})
    except Refused as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]},
                     form=request.form, open_action=name)
    except authority.NotPermitted:
        db.session.rollback()
        abort(403)
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


def _card(ev: GridEvent, status, **kw):
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        resp = make_response(render_template("grid/_event_card.html", **_event_context(ev, **kw)), status)
        if status in (HTTPStatus.CONFLICT, HTTPStatus.UNPROCESSABLE_ENTITY):
            resp.headers.update({"HX-Retarget": "#event-card", "HX-Reswap": "outerHTML", "HX-Reselect": "#event-card"})
        return resp
    if status == HTTPStatus.OK:
        return see_other(url_for("grid.event", event_id=ev.id))
    return _event_page(ev, status, **kw)


def _card_refused(event_id: int, err: Refused, open_action: str):
    db.session.rollback()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]},
                 form=request.form, open_action=open_action)


def _card_stale(event_id: int):
    db.session.rollback()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.CONFLICT,
                 errors={"_": [_("这个事件刚被其他人处理过，下面是最新状态，请确认后再操作")]})


@bp.post("/<grid_event:event_id>/summons")
@requires("grid.event.summon")
def summon(event_id: int):
    """吹哨 (E9): the coordinating community or street calls units and departments to the event."""
    from . import summons
    from .schemas import SummonIn, split_departments
    _scoped_or_404(event_id)
    try:
        data = SummonIn().load({**form_data(), "unit_ids": [v for v in request.form.getlist("unit_ids") if v],
                                "resident_unit_ids": [v for v in request.form.getlist("resident_unit_ids") if v]})
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="summon")
    try:
        ev = services.load_for_update(event_id, data["version"])
        summons.summon(ev, data["unit_ids"], data["resident_unit_ids"], split_departments(data["departments"]),
                       data["mandatory"], data["reason"])
    except Stale:
        return _card_stale(event_id)
    except Refused as err:
        return _card_refused(event_id, err, "summon")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@bp.post("/summons/<grid_summons:summons_id>/sign")
@requires("grid.view")
def summon_sign(summons_id: int):
    """报到: the summoned unit signs for the task (its sign clock stops)."""
    from . import summons
    row = get_or_404(Summons, summons_id)
    _scoped_or_404(row.event_id)
    try:
        summons.sign(summons.load_for_update(summons_id))
    except Refused as err:
        return _card_refused(row.event_id, err, f"summon-{summons_id}")
    db.session.commit()
    return _card(get_or_404(GridEvent, row.event_id), HTTPStatus.OK)


@bp.post("/summons/<grid_summons:summons_id>/respond")
@requires("grid.view")
def summon_respond(summons_id: int):
    """The summoned unit's answer; a mandatory summons must have one before the event can close."""
    from . import summons
    from .schemas import RespondIn
    row = get_or_404(Summons, summons_id)
    event_id = row.event_id
    _scoped_or_404(event_id)
    try:
        data = RespondIn().load(form_data())
        summons.respond(summons.load_for_update(summons_id), data["response"])
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action=f"summon-{summons_id}")
    except Refused as err:
        return _card_refused(event_id, err, f"summon-{summons_id}")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@bp.post("/<grid_event:event_id>/share")
@requires("grid.event.share")
def share(event_id: int):
    """L3: share the event with a district department (name and reason, audited); it stays ours."""
    from . import shares
    from .schemas import ShareIn
    _scoped_or_404(event_id)
    try:
        data = ShareIn().load(form_data())
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="share")
    try:
        shares.share(services.load_for_update(event_id, data["version"]), data["department"], data["reason"])
    except Stale:
        return _card_stale(event_id)
    except Refused as err:
        return _card_refused(event_id, err, "share")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@bp.post("/shares/<grid_share:share_id>/withdraw")
@requires("grid.event.share")
def withdraw_share(share_id: int):
    """Withdraw a share (recorded, audited): the district stops seeing the event."""
    from . import shares
    from .schemas import WithdrawIn
    row = get_or_404(Share, share_id)
    event_id = row.event_id
    _scoped_or_404(event_id)
    try:
        data = WithdrawIn().load(form_data())
        shares.withdraw(share_id, data["reason"])
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="unshare")
    except Refused as err:
        return _card_refused(event_id, err, "unshare")
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@bp.post("/<grid_event:event_id>/root-cause")
@requires("grid.event.handle")
def root_cause(event_id: int):
    """The root cause of a hotspot (主动治理), written on the task and on its timeline."""
    from .schemas import RootCauseIn
    ev = _scoped_or_404(event_id)
    if ev.source != "PROACTIVE":  # only tasks the hotspot rule created
        abort(404)
    try:
        data = RootCauseIn().load(form_data())
        ev = services.load_for_update(event_id, data["version"])
        services.set_root_cause(ev, data["root_cause"])
    except ValidationError as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                     form=request.form, open_action="root_cause")
    except Stale:
        return _card_stale(event_id)
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@bp.post("/<grid_event:event_id>/photos")
@requires("grid.event.report")
def add_photo(event_id: int):
    """Attach one photo (before, after, check …); the card comes back with it."""
    from . import photos
    ev = _scoped_or_404(event_id)
    try:
        photos.save(ev.id, request.files.get("photo"), request.form.get("kind", "report"))
    except Refused as err:
        db.session.rollback()
        return _card(get_or_404(GridEvent, event_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]})
    db.session.commit()
    return _card(get_or_404(GridEvent, event_id), HTTPStatus.OK)


@bp.get("/photos/<grid_photo:photo_id>")
@requires("grid.view")
def photo(photo_id: int):
    """A photo, for those who may see its event; re-encoded JPEG, never cached by browsers or proxies."""
    return _send_photo(photo_id, thumb=False)


@bp.get("/photos/<grid_photo:photo_id>/thumb")
@requires("grid.view")
def photo_thumb(photo_id: int):
    return _send_photo(photo_id, thumb=True)


def _send_photo(photo_id: int, thumb: bool):
    from flask import send_file

    from . import photos
    from .models import Photo
    row = get_or_404(Photo, photo_id)
    _scoped_or_404(row.event_id)
    path = photos.path_of(row, thumb)
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", download_name=f"{row.kind}-{row.id}.jpg", max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --- statistics ---------------------------------------------------------------------------------


def _period(two_years: bool = False) -> tuple[date, date]:
    """The period asked for; by default this month, or the last 24 full months for the district view."""
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    if two_years and not request.args.get("from"):
        from .demo import default_window
        return default_window()
    start = arg("from", parse_date) or today.replace(day=1)
    end = arg("to", parse_date) or today
    return (start, end) if start <= end else (end, start)


@bp.get("/stats")
@requires("grid.reports.view")
def stats_page():
    """Bucket report and KPIs for a period, each figure with its formula."""
    from . import snapshots
    start, end = _period()
    units = units_within("grid.reports.view")
    kpis = stats.kpis(start, end, units)
    period = f"{start:%Y-%m}"
    frozen, restatements = {}, []
    if units is None and (start, end) == snapshots.month_bounds(period):
        frozen = snapshots.current_rows(period)
        restatements = snapshots.history(period)
        for k in kpis:  # a frozen month shows its frozen figures, never today's recount
            if k.key in frozen:
                k.numerator, k.denominator = frozen[k.key].numerator, frozen[k.key].denominator
    return render_template("grid/stats.html", start=start, end=end, buckets=stats.buckets(start, end, units),
                           kpis=kpis, months=stats.by_month(start, end, units), streets=None, whole=units is None,
                           frozen=frozen, restatements=restatements, period=period,
                           communities=stats.by_community(start, end, units), min_sample=_min_sample(),
                           hotspots=stats.hotspots(units), **labels())


def _min_sample() -> int:
    """The tenant's minimum sample for showing a rate per unit (a district may set it for its streets)."""
    return int(api.settings("grid").get("min_ranking_sample", 10))


@bp.post("/stats/restate")
@requires("grid.reports.view")
def restate():
    """Publish corrected figures for a frozen month, with the reason (the old figures stay)."""
    from . import snapshots
    if not current().has("grid.config.grids"):
        abort(403)
    period = request.form.get("period", "")
    try:
        start, end = snapshots.month_bounds(period)
        snapshots.restate(period, request.form.get("reason", ""))
    except (ValueError, Refused) as err:
        db.session.rollback()
        message = str(err) if isinstance(err, Refused) else _("月份格式不正确")
        return render_template("errors/error.html", status=422, message=message), HTTPStatus.UNPROCESSABLE_ENTITY
    db.session.commit()
    return see_other(url_for("grid.stats_page", **{"from": start.isoformat(), "to": end.isoformat()}))


@bp.get("/rollup")
@requires("grid.reports.view")
@district_rollup
@writes_on_get
def rollup():
    """District: the same report over its streets (read-only, audited)."""
    from core.api import audit
    start, end = _period(two_years=True)
    result = stats.buckets(start, end)
    audit.record("district.rollup", "grid_event", None, endpoint="grid.rollup",
                 streets=[s.slug for s in g.rollup_streets], buckets=sum(v["solved"] for v in result.values()))
    db.session.commit()
    return render_page_or_fragment("grid/stats.html", "grid/_rollup_card.html", "widget-grid-rollup", start=start,
                                   end=end, buckets=result, kpis=stats.kpis(start, end),
                                   months=stats.by_month(start, end), streets=g.rollup_streets, **labels())


@bp.get("/shared")
@requires("grid.shared.view")
@district_rollup
@writes_on_get
def shared():
    """District: events its streets shared with district departments (read-only). Each street's
    audit log records which of its events were read, by whom."""
    from core.api import audit

    from . import shares
    department = request.args.get("department", "").strip()[:64]
    rows = shares.shared_with_district(department or None)
    shares.audit_street_reads(g.tenant.slug, "grid.shared", [e for _s, e in rows])
    audit.record("district.rollup", "grid_share", None, endpoint="grid.shared",
                 streets=[s.slug for s in g.rollup_streets], rows=len(rows))
    db.session.commit()
    street_names = {s.id: s.name for s in g.rollup_streets}
    every = shares.shared_with_district() if department else rows
    departments = sorted({s.department for s, _e in every})
    return render_template("grid/shared.html", rows=rows, street_names=street_names, department=department,
                           departments=departments, streets=g.rollup_streets, **labels())


@bp.get("/shared/<grid_share:share_id>")
@requires("grid.shared.view")
@district_rollup
@writes_on_get
def shared_event(share_id: int):
    """District: one shared event with its timeline, read-only; the read goes into the street's log."""
    from core.api import audit

    from . import shares, summons
    found = shares.shared_with_district(share_id=share_id)
    if not found:
        abort(404)
    row, event = found[0]
    shares.audit_street_reads(g.tenant.slug, "grid.shared_event", [event])
    audit.record("district.rollup", "grid_event", event.id, endpoint="grid.shared_event",
                 streets=[s.slug for s in g.rollup_streets if s.id == event.tenant_id], rows=1)
    db.session.commit()
    timeline = list(db.session.scalars(select(Transition).where(Transition.event_id == event.id)
                                       .order_by(Transition.id)))
    return render_template("grid/shared_event.html", share=row, event=event, timeline=timeline,
                           category=db.session.get(Category, event.category_id), summons=summons.of_event(event.id),
                           street=next((s.name for s in g.rollup_streets if s.id == event.tenant_id), ""),
                           **labels())


@bp.get("/export.xlsx")
@requires("grid.reports.view")
@writes_on_get
def export():
    """The period's events as a sheet, with a watermark line (who exported, when); reporters'
    phones masked unless the user may reveal them. Audited, so it writes on a GET."""
    from core.api import sheets
    from core.api import mask_phone
    start, end = _period()
    lo, hi = stats.bounds(start, end)
    rows = db.session.scalars(scoped(select(GridEvent).where(GridEvent.created_at >= lo, GridEvent.created_at <= hi))
                              .order_by(GridEvent.created_at, GridEvent.id).limit(20000))
    cats = {c.id: c for c in categories()}
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "grid")).all())
    reveal = current().has("grid.identity.reveal")
    lab = labels()
    out = [[f"导出人 {g.user.username} · {clock.utcnow().astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M} · "
            f"{start.isoformat()} 至 {end.isoformat()}"]]
    for e in rows:
        cat = cats.get(e.category_id)
        out.append([e.ref_no, e.title, cat.name if cat else "", lab["bucket_names"].get(cat.bucket, "") if cat else "",
                    units.get(e.grid_id, ""), lab["sources"].get(e.source, e.source), lab["urgencies"][e.urgency],
                    lab["states"][e.state], clock.local(e.created_at).strftime("%Y-%m-%d %H:%M"),
                    clock.local(e.closed_at).strftime("%Y-%m-%d %H:%M") if e.closed_at else "",
                    lab["closures"].get(e.closure_type, "") if e.closure_type else "",
                    "" if e.case_on_time is None else ("按期" if e.case_on_time else "超期"),
                    lab["callback_results"].get(e.callback_result, "") if e.callback_result else "",
                    (e.reporter_phone or "") if reveal else mask_phone(e.reporter_phone)])
    header = ["编号", "标题", "类别", "分类", "网格", "来源", "紧急程度", "状态", "上报时间", "结案时间", "办理结果",
              "是否按期", "回访结果", "反映人电话"]
    from core.api import audit
    audit.record("grid.export", "grid_event", None, rows=len(out) - 1, start=start.isoformat(), end=end.isoformat())
    db.session.commit()
    return sheets.download("xlsx", f"网格事件{start:%Y%m%d}-{end:%Y%m%d}", header, out)


@bp.get("/ledger")
@requires("grid.reports.view")
def ledger():
    """The printable ledger (台账) of a period, grid by grid."""
    start, end = _period()
    lo, hi = stats.bounds(start, end)
    rows = list(db.session.scalars(scoped(select(GridEvent).where(GridEvent.created_at >= lo, GridEvent.created_at <= hi))
                                   .order_by(GridEvent.grid_id, GridEvent.created_at).limit(5000)))
    names = {g.id: f"{g.community_name} · {g.name}" for g in grids()}
    by_grid: dict = {}
    for e in rows:
        by_grid.setdefault(e.grid_id, []).append(e)
    by_grid = {names.get(k, _("未指定网格")): v for k, v in by_grid.items()}
    from .models import ACK_METHODS, PROXY_STATUSES, MediationCase, ProxyService
    agreements = list(db.session.scalars(_in_scope(select(MediationCase).where(
        MediationCase.agreement_on >= start, MediationCase.agreement_on <= end), MediationCase.grid_id)
        .order_by(MediationCase.grid_id, MediationCase.agreement_on).limit(2000)))
    proxies = list(db.session.scalars(_in_scope(select(ProxyService).where(
        ProxyService.created_at >= lo, ProxyService.created_at <= hi), ProxyService.grid_id)
        .order_by(ProxyService.grid_id, ProxyService.created_at).limit(2000)))
    return render_template("grid/ledger.html", start=start, end=end, by_grid=by_grid, cats={c.id: c for c in categories()},
                           printed_by=g.user.display_name, printed_at=clock.utcnow(), agreements=agreements,
                           proxies=proxies, grid_names=names, proxy_statuses=PROXY_STATUSES, ack_methods=ACK_METHODS,
                           mask=_mask_name, reveal=current().has("grid.identity.reveal"), **labels())


# --- categories and their time limits -----------------------------------------------------------


def _category_rows() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.bucket, Category.code)))


WHATIF_DEFAULTS = {"whatif": None, "whatif_errors": {}, "proposed": {}}


@bp.get("/categories")
@requires("grid.config.categories")
def categories_page():
    """The tenant's categories with their buckets and time limits (new limits apply to new events only)."""
    return render_template("grid/categories.html", rows=_category_rows(), errors={}, editing=None, **WHATIF_DEFAULTS,
                           **labels())


@bp.get("/categories/whatif")
@requires("grid.config.categories")
def whatif():
    """假设推演: the last six months replayed under the limits typed into the 推演 column; nothing is saved."""
    from . import whatif as replays
    from .schemas import LimitIn
    rows = _category_rows()
    proposed, errors = {}, {}
    for c in rows:
        value = request.args.get(f"limit_value_{c.id}", "").strip()
        if not value:
            continue  # left empty: the limit in force
        try:
            data = LimitIn().load({"limit_value": value, "limit_unit": request.args.get(f"limit_unit_{c.id}", "")})
        except ValidationError as err:
            errors[c.id] = err.messages
            continue
        proposed[c.id] = (data["limit_value"], data["limit_unit"])
    result = None
    if not errors and request.args.get("run"):
        result = replays.replay(proposed, services.calendar())
    resp = render_page_or_fragment("grid/categories.html", "grid/_whatif.html", "whatif-result", rows=rows, errors={},
                                   editing=None, whatif=result, whatif_errors=errors, proposed=request.args, **labels())
    resp.status_code = HTTPStatus.UNPROCESSABLE_ENTITY if errors else HTTPStatus.OK
    return resp


@bp.post("/categories/<grid_category:category_id>")
@requires("grid.config.categories")
def save_category(category_id: int):
    from .schemas import CategoryIn
    row = get_or_404(Category, category_id)
    try:
        data = CategoryIn().load(form_data())
    except ValidationError as err:
        return render_template("grid/categories.html", rows=_category_rows(), errors=err.messages, editing=category_id,
                               **WHATIF_DEFAULTS, **labels()), HTTPStatus.UNPROCESSABLE_ENTITY
    from core.api import audit
    before = {k: getattr(row, k) for k in data}
    for key, value in data.items():
        setattr(row, key, value)
    audit.record("grid.category", "grid_category", row.id, before=before, after=data)
    db.session.commit()
    return see_other(url_for("grid.categories_page"))


@bp.get("/duplicates")
@requires("grid.event.report")
def duplicates():
    """Likely duplicates of a report being typed: with a point, open events of the category within its
    radius and the last 14 days; without one, the same category in the same grid."""
    category = db.session.get(Category, arg("category_id", parse_id) or 0)
    grid_id = arg("grid_id", parse_id)
    lat, lng = request.args.get("lat", type=float), request.args.get("lng", type=float)
    rows, radius = [], None
    if category is not None and lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180:
        radius = category.dup_radius_m
        rows = services.nearby_open(category, lat, lng, scoped(select(GridEvent)))
    elif category is not None and grid_id:
        since = clock.utcnow() - timedelta(days=services.DUP_DAYS)
        rows = [(e, None) for e in db.session.scalars(scoped(select(GridEvent).where(
            GridEvent.category_id == category.id, GridEvent.grid_id == grid_id, GridEvent.created_at >= since,
            GridEvent.state.not_in(TERMINAL))).order_by(GridEvent.created_at.desc()).limit(5))]
    return render_template("grid/_duplicates.html", rows=rows, radius=radius, **labels())


@bp.post("/<grid_event:event_id>/subscribe")
@requires("grid.event.report")
def subscribe(event_id: int):
    """From the duplicate panel at intake: the caller follows the open event instead of filing it again."""
    from .schemas import SubscribeIn
    ev = _scoped_or_404(event_id)
    try:
        data = SubscribeIn().load({k: v for k, v in form_data().items() if k in ("reporter_name", "reporter_phone")})
        services.subscribe(ev.id, data.get("reporter_name"), data["reporter_phone"], current().user_id)
    except ValidationError as err:
        db.session.rollback()
        return render_template("grid/_subscribed.html", event=ev, errors=err.messages), HTTPStatus.UNPROCESSABLE_ENTITY
    except Refused as err:
        db.session.rollback()
        return render_template("grid/_subscribed.html", event=ev, errors={"_": [str(err)]}), \
            HTTPStatus.UNPROCESSABLE_ENTITY
    db.session.commit()
    return render_template("grid/_subscribed.html", event=ev, errors={})


# --- grids, staff and daily work ---------------------------------------------------------------


@bp.get("/grids")
@requires("grid.view")
def grids_page():
    """Every grid with its leader, staff and open events; grids without a leader first."""
    from . import staffing
    visible = {g.id for g in grids()}  # merged (retired) grids are not listed, nor counted as leaderless
    return render_template("grid/grids.html", rows=[r for r in staffing.grids_overview() if r["grid"].id in visible])


def _grid_or_404(grid_id: int, for_new_work: bool = False) -> OrgUnit:
    """A grid in the user's part of the tree; ``for_new_work`` also refuses a grid merged into another."""
    grid = db.session.scalars(scoped_units(select(OrgUnit).where(OrgUnit.id == grid_id, OrgUnit.kind == "grid"))).first()
    if grid is None:
        abort(404)
    if for_new_work:
        from .profiles import retired_ids
        if grid.id in retired_ids():
            abort(404)  # its work continues in the grid it joined
    return grid


def scoped_units(stmt):
    condition = path_filter(current().scope_paths("grid.view"))
    return stmt if condition is None else stmt.where(condition)


def _grid_page(grid: OrgUnit, status=HTTPStatus.OK, **extra):
    from . import staffing
    from core.api import Person
    community = db.session.get(OrgUnit, grid.parent_id)
    candidates = list(db.session.scalars(select(Person).where(
        Person.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(community.path))),
        Person.erased_at.is_(None)).order_by(Person.name).limit(300)))
    from . import records
    from .models import MediationCase
    profile = staffing.grid_profile(grid)
    cases = dict(db.session.execute(select(MediationCase.log_id, MediationCase.id).where(
        MediationCase.log_id.in_([log.id for log in profile["logs"]]))).all())
    form = {"household_id": request.args.get("household_id", ""), "form": request.args.get("form", "")}
    context = {**profile, **_versions_context(grid), "community": community, "candidates": candidates, "errors": {},
               "form": form, "now": clock.utcnow(), "household_options": records.households(grid), "log_cases": cases,
               **labels(), **extra}
    return render_template("grid/grid.html", **context), status


@bp.get("/grids/<org_unit:grid_id>")
@requires("grid.view")
def grid_page(grid_id: int):
    """A grid's profile: staff (with history), Party branch, central households, five-in-one counts,
    recent service logs and patrols, with quick entry for each."""
    return _grid_page(_grid_or_404(grid_id))


# --- the grid map and boundary versions ---------------------------------------------------------


#: open events → fill, lightest first (0, 1–2, 3–5, 6 and more)
SHADES = ((0, "#e3f2e6"), (1, "#fff1b8"), (3, "#ffd591"), (6, "#ff9c8a"))


def _shade(n: int) -> str:
    return [colour for floor, colour in SHADES if n >= floor][-1]


def _svg(rows: list, names: dict, open_n: dict, titles: dict | None = None) -> dict | None:
    """Polygons projected on the server: an SVG that scales to any screen, no tiles, no script.
    ``names`` label the shapes; ``titles`` (grid with its community) show on hover."""
    from . import geo
    if not rows:
        return None
    proj = geo.Projection([(p.west, p.south, p.east, p.north) for p in rows])
    shapes = []
    for p in sorted(rows, key=lambda r: (r.priority, r.grid_id)):  # exclusive grids drawn on top
        ring = p.boundary["coordinates"][0][:-1]
        cx, cy = proj.xy(sum(x for x, _y in ring) / len(ring), sum(y for _x, y in ring) / len(ring))
        (x0, _y0), (x1, _y1) = proj.xy(p.west, p.north), proj.xy(p.east, p.south)
        name = names.get(p.grid_id, "")
        shapes.append({"profile": p, "name": name, "title": (titles or names).get(p.grid_id, name),
                       "d": proj.path(p.boundary), "cx": cx, "cy": cy,
                       "open": open_n.get(p.grid_id, 0), "fill": _shade(open_n.get(p.grid_id, 0)),
                       "exclusive": p.priority >= PRIORITY["exclusive"],
                       "font": round(max(10.0, min(60.0, (x1 - x0) / (len(name) + 1))), 1)})
    return {"width": proj.width, "height": proj.height, "shapes": shapes}


def _open_by_grid(grid_ids) -> dict:
    return dict(db.session.execute(scoped(select(GridEvent.grid_id, func.count()).where(
        GridEvent.grid_id.in_(grid_ids), GridEvent.state.not_in(TERMINAL))).group_by(GridEvent.grid_id)).all())


@bp.get("/map")
@requires("grid.view")
def map_page():
    """网格地图: the current boundaries of the grids you may see, each linking to its profile and
    shaded by its open events; grids not drawn yet are listed below."""
    from . import profiles
    visible = {u.id: u for u in grids()}
    rows = profiles.current_all(list(visible))
    open_n = _open_by_grid(list(visible))
    drawn = {p.grid_id for p in rows}
    svg = _svg(rows, {i: u.name for i, u in visible.items()}, open_n,
               {i: f"{u.community_name} · {u.name}" for i, u in visible.items()})
    return render_template("grid/map.html", svg=svg, shades=SHADES,
                           undrawn=[u for i, u in visible.items() if i not in drawn])


def _versions_context(grid: OrgUnit) -> dict:
    from . import profiles
    rows = profiles.versions(grid.id)
    current_row = next((r for r in rows if r.valid_to is None), None)
    open_n = _open_by_grid([grid.id]) if current_row else {}
    return {"versions": rows, "current_version": current_row, "lineage": profiles.lineage(grid.id, rows),
            "retired": bool(rows) and current_row is None,
            "changes": CHANGES, "grid_svg": _svg([current_row] if current_row else [], {grid.id: grid.name}, open_n)}


def _boundary_page(grid: OrgUnit, status=HTTPStatus.OK, errors=None, form=None, open_form=None):
    community = db.session.get(OrgUnit, grid.parent_id)
    siblings = [u for u in grids() if u.parent_id == grid.parent_id and u.id != grid.id]
    buildings = list(db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == grid.id, OrgUnit.kind == "building")
                                        .order_by(OrgUnit.name).limit(500)))
    context = _versions_context(grid)
    current_row = context["current_version"]
    drawn = json.dumps(current_row.boundary, ensure_ascii=False) if current_row else ""
    return render_template("grid/boundary.html", grid=grid, community=community, siblings=siblings, buildings=buildings,
                           errors=errors or {}, form=form or {}, open_form=open_form, drawn=drawn,
                           based_on=current_row.version_no if current_row else 0, **context), status


def _configurable_or_404(grid_id: int) -> OrgUnit:
    grid = _grid_or_404(grid_id)
    if not current().can("grid.config.grids", grid.path):
        abort(403)
    return grid


@bp.get("/grids/<org_unit:grid_id>/boundary")
@requires("grid.config.grids")
def boundary_page(grid_id: int):
    """Redraw, split or merge a grid; each change is a new version and the old ones stay."""
    return _boundary_page(_configurable_or_404(grid_id))


def _boundary_change(grid_id: int, kind: str):
    from . import profiles
    from .schemas import BoundaryIn, MergeIn, SplitIn
    grid = _configurable_or_404(grid_id)
    schema = {"redraw": BoundaryIn, "split": SplitIn, "merge": MergeIn}[kind]
    try:
        data = schema().load({**form_data(), **({"building_ids": request.form.getlist("building_ids")}
                                                if kind == "split" else {})})
        if kind == "redraw":
            profiles.redraw(grid, data["boundary"], data.get("households_est"), data["reason"], data["based_on"])
        elif kind == "split":
            profiles.split(grid, data)
        else:
            other = db.session.scalars(scoped_units(select(OrgUnit).where(OrgUnit.id == data["other_id"],
                                                                          OrgUnit.kind == "grid"))).first()
            if other is None or not current().can("grid.config.grids", other.path):
                raise ValidationError({"other_id": [_("请选择要并入的网格")]})
            profiles.merge(grid, other, data)
    except ValidationError as err:
        db.session.rollback()
        return _boundary_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                              form=request.form, open_form=kind)
    except Refused as err:
        db.session.rollback()
        return _boundary_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]},
                              form=request.form, open_form=kind)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id) + "#versions")


@bp.post("/grids/<org_unit:grid_id>/boundary")
@requires("grid.config.grids")
def redraw_boundary(grid_id: int):
    return _boundary_change(grid_id, "redraw")


@bp.post("/grids/<org_unit:grid_id>/split")
@requires("grid.config.grids")
def split_grid(grid_id: int):
    """Split off part of this grid as a new grid of the same community."""
    return _boundary_change(grid_id, "split")


@bp.post("/grids/<org_unit:grid_id>/merge")
@requires("grid.config.grids")
def merge_grid(grid_id: int):
    """Merge another grid of the community into this one: its open events and staff move here."""
    return _boundary_change(grid_id, "merge")


@bp.get("/grids/<org_unit:grid_id>/poster")
@requires("grid.view")
def poster(grid_id: int):
    """A printable poster for the grid's notice board: a QR code residents scan to report a problem."""
    import segno
    grid = _grid_or_404(grid_id)
    from .profiles import retired_ids
    if grid.id in retired_ids():
        abort(404)  # merged into another grid: print that grid's poster
    target = url_for("grid.public_report", grid_id=grid.id, _external=True)
    qr = segno.make(target, error="m").svg_data_uri(scale=8, border=2)
    from . import staffing
    staff = staffing.active(grid.id)
    from core.api import Person
    names = {p.id: p.name for p in db.session.scalars(select(Person).where(Person.id.in_({a.person_id for a in staff})))}
    from .models import ASSIGNMENT_ROLES
    return render_template("grid/poster.html", grid=grid, qr=qr, target=target, staff=staff, names=names,
                           community=db.session.get(OrgUnit, grid.parent_id), roles=ASSIGNMENT_ROLES, **labels())


@bp.post("/grids/<org_unit:grid_id>/staff")
@requires("grid.config.grids")
def assign_staff(grid_id: int):
    from . import staffing
    from .schemas import AssignIn
    grid = _grid_or_404(grid_id, for_new_work=True)
    try:
        data = AssignIn().load(form_data())
        staffing.assign(grid, data["person_id"], data["role"], data.get("agency"), data["handover"])
    except ValidationError as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"staff": err.messages},
                          form=request.form)
    except Refused as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"staff": {"_": [str(err)]}},
                          form=request.form)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


@bp.post("/assignments/<grid_assignment:assignment_id>/end")
@requires("grid.config.grids")
def end_assignment(assignment_id: int):
    from . import staffing
    from .models import Assignment
    row = get_or_404(Assignment, assignment_id)
    _grid_or_404(row.grid_id)
    staffing.end(row)
    grid_id = row.grid_id
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


@bp.post("/grids/<org_unit:grid_id>/logs")
@requires("grid.log.write")
def add_service_log(grid_id: int):
    """Record one act of service (走访、代办、调解 …) in a few taps."""
    from . import records, staffing
    grid = _grid_or_404(grid_id, for_new_work=True)
    try:
        data, proxy, mediation = _load_service_log(form_data())
        log = staffing.log_service(grid, data)
        if proxy is not None:
            records.add_proxy(log, proxy)
        if mediation is not None:
            records.open_mediation(grid.id, log.summary, mediation["parties"], log_id=log.id)
    except ValidationError as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"log": err.messages},
                          form=request.form)
    except Refused as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"log": {"_": [str(err)]}},
                          form=request.form)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


def _load_service_log(fields_: dict) -> tuple[dict, dict | None, dict | None]:
    """The log and, for 代办 or 调解, its sub-record: all validated before anything is written, and
    every message returned at once."""
    from .schemas import MediationIn, ProxyIn, ServiceLogIn
    extra = {k: v for k, v in fields_.items() if k.startswith("proxy_") or k == "parties"}
    base = {k: v for k, v in fields_.items() if k not in extra}
    errors, data, proxy, mediation = {}, {}, None, None
    try:
        data = ServiceLogIn().load(base)
    except ValidationError as err:
        errors.update(err.messages)
    kind = base.get("service_type")
    try:
        if kind == "PROXY":
            proxy = ProxyIn().load({k: v for k, v in extra.items() if k.startswith("proxy_")})
        elif kind == "MEDIATION":
            mediation = MediationIn().load({"parties": extra.get("parties", "")})
    except ValidationError as err:
        errors.update(err.messages)
    if errors:
        raise ValidationError(errors)
    return data, proxy, mediation


@bp.get("/grids/<org_unit:grid_id>/logs/extra")
@requires("grid.log.write")
def service_log_extra(grid_id: int):
    """The extra fields of the log form for the chosen service type (代办 or 调解), swapped in by htmx."""
    grid = _grid_or_404(grid_id)
    resp = make_response(render_template("grid/_log_extra.html", grid=grid, kind=request.args.get("service_type", ""),
                                         form={}, err={}))
    resp.vary.update(("HX-Request", "HX-Target"))
    return resp


@bp.post("/grids/<org_unit:grid_id>/patrols")
@requires("grid.log.write")
def add_patrol(grid_id: int):
    """Record a patrol (time span and findings; no location track)."""
    from . import staffing
    from .schemas import PatrolIn
    grid = _grid_or_404(grid_id, for_new_work=True)
    try:
        staffing.record_patrol(grid, PatrolIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _grid_page(grid, HTTPStatus.UNPROCESSABLE_ENTITY, errors={"patrol": err.messages}, form=request.form)
    except Refused as err:
        db.session.rollback()
        return _grid_page(grid, HTTPStatus.UNPROCESSABLE_ENTITY, errors={"patrol": {"_": [str(err)]}},
                          form=request.form)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


# --- duty roster (值班) --------------------------------------------------------------------------


def _duty_units(to_edit: bool = False) -> list[OrgUnit]:
    """The street and communities that keep a duty roster: to read, those around the user's part of the
    tree too (a grid worker sees who is on duty in their community and street); to edit, those inside it."""
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("street", "community")))
                                    .order_by(OrgUnit.path).limit(200)))
    paths = current().scope_paths("grid.config.grids" if to_edit else "grid.view")
    return [u for u in units if any(u.path.startswith(p) or (not to_edit and p.startswith(u.path)) for p in paths)]


def _duty_page(status=HTTPStatus.OK, errors=None, form=None):
    """A week of the roster from Monday, Beijing dates, with who is on each unit's day and night shift."""
    from core.api import Person
    from .models import SHIFTS, Duty
    from .records import today
    start = arg("week", parse_date) or today()
    monday = start - timedelta(days=start.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    units = _duty_units()
    rows = db.session.execute(select(Duty, Person.name).join(
        Person, (Person.id == Duty.person_id) & (Person.tenant_id == Duty.tenant_id)).where(
        Duty.duty_date.between(days[0], days[-1]), Duty.org_unit_id.in_([u.id for u in units]))
        .order_by(Duty.duty_date, Duty.shift, Duty.id)).all()
    cells: dict = {}
    for duty, name in rows:
        cells.setdefault((duty.org_unit_id, duty.duty_date, duty.shift), []).append((duty, name))
    people = _duty_people()
    return render_template("grid/duty.html", days=days, units=units, cells=cells, shifts=SHIFTS, people=people,
                           editable={u.id for u in _duty_units(to_edit=True)},
                           today=today(), prev_week=(monday - timedelta(days=7)).isoformat(),
                           next_week=(monday + timedelta(days=7)).isoformat(), errors=errors or {},
                           form=form or {"duty_date": today().isoformat()}), status


def _duty_people():
    """People of the units in the user's part of the tree, who can be put on duty."""
    from core.api import Person
    stmt = select(Person.id, Person.name).join(
        OrgUnit, (OrgUnit.id == Person.org_unit_id) & (OrgUnit.tenant_id == Person.tenant_id)).where(
        Person.erased_at.is_(None), OrgUnit.kind.in_(("street", "community", "grid")))
    return list(db.session.execute(scoped_units(stmt).order_by(Person.name).limit(500)).all())


@bp.get("/duty")
@requires("grid.view")
def duty():
    """值班表: who takes reports for the street and each community, day and night."""
    return _duty_page()


@bp.post("/duty")
@requires("grid.config.grids")
def add_duty():
    from core.api import Person
    from .models import Duty
    from .schemas import DutyIn
    try:
        data = DutyIn().load(form_data())
        if data["org_unit_id"] not in {u.id for u in _duty_units(to_edit=True)}:
            raise ValidationError({"org_unit_id": [_("请选择本人负责范围内的街道或社区")]})
        if db.session.get(Person, data["person_id"]) is None:
            raise ValidationError({"person_id": [_("请选择人员")]})
        exists = db.session.scalar(select(Duty.id).where(
            Duty.org_unit_id == data["org_unit_id"], Duty.duty_date == data["duty_date"], Duty.shift == data["shift"],
            Duty.person_id == data["person_id"]))
        if exists is not None:
            raise ValidationError({"person_id": [_("此人已在这个班次")]})
    except ValidationError as err:
        db.session.rollback()
        return _duty_page(HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages, form=request.form)
    db.session.add(Duty(**data, created_by=current().user_id))
    db.session.commit()
    return see_other(url_for("grid.duty", week=data["duty_date"].isoformat()))


@bp.post("/duty/<grid_duty:duty_id>/remove")
@requires("grid.config.grids")
def remove_duty(duty_id: int):
    from .models import Duty
    row = db.session.get(Duty, duty_id)
    if row is None or row.org_unit_id not in {u.id for u in _duty_units(to_edit=True)}:
        abort(404)
    week = row.duty_date.isoformat()
    db.session.delete(row)
    db.session.commit()
    return see_other(url_for("grid.duty", week=week))


# --- emergency mode ------------------------------------------------------------------------------


def _emergency_page(status=HTTPStatus.OK, errors=None, form=None):
    from .models import EmergencyMode
    modes = list(db.session.scalars(select(EmergencyMode).order_by(EmergencyMode.id.desc()).limit(20)))
    return render_template("grid/emergency.html", modes=modes, grids=grids(), now=clock.utcnow(), errors=errors or {},
                           form=form or {}, **labels()), status


@bp.get("/compliance")
@requires("grid.view")
def compliance():
    """减负公示 (grid.md §10, §17.4): the anti-formalism rules in force here, any emergency-mode windows
    (the only time check-ins or tracks exist), and every change of the module's settings, from the
    audit log. Readable by all staff: they are the people the rules protect."""
    from .models import EmergencyMode
    values, sources, field_labels = api.settings_explained("grid")
    since = clock.utcnow() - timedelta(days=365)
    modes = list(db.session.scalars(select(EmergencyMode).where(EmergencyMode.ends_at >= since)
                                    .order_by(EmergencyMode.starts_at.desc()).limit(50)))
    changes = api.audit.history(("plugin.settings", "plugin.enable", "plugin.disable", "plugin.streets"),
                                object_id="grid")
    actors = dict(db.session.execute(select(api.Account.id, api.Account.display_name).where(
        api.Account.id.in_({c.actor_id for c in changes if c.actor_id}))).all()) if changes else {}
    now = clock.utcnow()
    running = {m.id for m in modes if clock.aware(m.starts_at) <= now <= clock.aware(m.ends_at)}
    return render_template("grid/compliance.html", values=values, sources=sources, modes=modes, changes=changes,
                           actors=actors, running=running, field_labels=field_labels)


@bp.get("/emergency")
@requires("grid.emergency.approve")
def emergency():
    """Named, approved, time-boxed emergency modes; the only time patrol routes are kept."""
    return _emergency_page()


@bp.post("/emergency")
@requires("grid.emergency.approve")
def start_emergency():
    from . import emergency as em
    from .schemas import EmergencyIn
    try:
        data = EmergencyIn().load({**form_data(), "grid_ids": request.form.getlist("grid_ids")})
        allowed = {g.id for g in grids()}
        em.start(data["task_name"], data["reason"], [i for i in data["grid_ids"] if i in allowed], data["days"])
    except ValidationError as err:
        db.session.rollback()
        return _emergency_page(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form)
    except Refused as err:
        db.session.rollback()
        return _emergency_page(HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form)
    db.session.commit()
    return see_other(url_for("grid.emergency"))


@bp.post("/emergency/<grid_emergency:mode_id>/end")
@requires("grid.emergency.approve")
def end_emergency(mode_id: int):
    from . import emergency as em
    from .models import EmergencyMode
    em.end(get_or_404(EmergencyMode, mode_id))
    db.session.commit()
    return see_other(url_for("grid.emergency"))


# --- widgets ----------------------------------------------------------------------------------------


@bp.get("/widgets/open")
@requires("grid.view")
def widget_open():
    """Open events by SLA colour."""
    rows = db.session.scalars(scoped(select(GridEvent).where(GridEvent.state.not_in(TERMINAL))).limit(2000))
    counts = {"red": 0, "orange": 0, "yellow": 0, "green": 0, "none": 0}
    for ev in rows:
        counts[services.sla_colour(ev)] += 1
    return render_template("grid/_widget_open.html", counts=counts)


@bp.get("/widgets/month")
@requires("grid.reports.view")
def widget_month():
    """This month's on-time closure rate and solved counts."""
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    start = today.replace(day=1)
    units = units_within("grid.reports.view")
    return render_template("grid/_widget_month.html", kpis={k.key: k for k in stats.kpis(start, today, units)},
                           buckets=stats.buckets(start, today, units), **labels())




# --- proxy services, mediation cases, care visits ----------------------------------------------------


def _in_scope(stmt, column):
    units = units_within("grid.view")
    return stmt if units is None else stmt.where(column.in_(units))


def _grid_names() -> dict:
    return {g.id: f"{g.community_name} · {g.name}" for g in grids()}


def _proxy_page(status=HTTPStatus.OK, errors=None, form=None, editing=None):
    from .models import ACK_METHODS, PROXY_STATUSES, ProxyService, ServiceLog
    rows = list(db.session.scalars(_in_scope(select(ProxyService).where(ProxyService.status == "in_progress"),
                                             ProxyService.grid_id).order_by(ProxyService.grid_id, ProxyService.created_at)
                                   .limit(1000)))
    logs = {log.id: log for log in db.session.scalars(select(ServiceLog).where(
        ServiceLog.id.in_({r.log_id for r in rows})))}
    names = _grid_names()
    by_grid: dict = {}
    for r in rows:
        by_grid.setdefault(names.get(r.grid_id, ""), []).append(r)
    return render_template("grid/proxy.html", by_grid=by_grid, logs=logs, statuses=PROXY_STATUSES, ack_methods=ACK_METHODS,
                           errors=errors or {}, form=form or {}, editing=editing, **labels()), status


@bp.get("/proxy")
@requires("grid.view")
def proxy_services():
    """Open 代办 per grid: what was taken in for whom, so nothing is left lying in a drawer."""
    return _proxy_page()


@bp.post("/proxy/<grid_proxy:proxy_id>")
@requires("grid.log.write")
def update_proxy(proxy_id: int):
    """Documents handed back and the resident's acknowledgement; a stale form gets 409."""
    from . import records
    from .models import ProxyService
    from .schemas import ProxyUpdateIn
    row = db.session.scalars(_in_scope(select(ProxyService).where(ProxyService.id == proxy_id),
                                       ProxyService.grid_id)).first()
    if row is None:
        abort(404)
    try:
        records.update_proxy(row.id, ProxyUpdateIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _proxy_page(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form, proxy_id)
    except Stale:
        db.session.rollback()
        return _proxy_page(HTTPStatus.CONFLICT, {"_": [_("这项代办刚被其他人更新过，请查看最新情况后再操作")]}, None, proxy_id)
    except Refused as err:
        db.session.rollback()
        return _proxy_page(HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form, proxy_id)
    db.session.commit()
    return see_other(url_for("grid.proxy_services"))


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _parties(case, reveal: bool = False) -> list[dict]:
    """Parties as shown: names and phones masked, unless revealed on purpose (and then audited)."""
    from core.api import mask_phone
    return [{"name": p["name"] if reveal else _mask_name(p["name"]), "role": p["role"],
             "phone": (p.get("phone") or "") if reveal else mask_phone(p.get("phone"))} for p in case.parties or []]


def _may_reveal_parties(case) -> bool:
    """Who may see the parties' contacts: holders of grid.identity.reveal, and the staff of the case's
    grid who run the mediation and must call the parties back."""
    grid = db.session.get(OrgUnit, case.grid_id)
    return current().has("grid.identity.reveal") or (grid is not None and current().can("grid.log.write", grid.path))


@bp.post("/mediation/<grid_mediation:case_id>/reveal")
@requires("grid.view")
def reveal_parties(case_id: int):
    """Show the parties' names and phones, once, for this user: each reveal is written to the audit log."""
    from core.api import audit
    case = _case_or_404(case_id)
    if not _may_reveal_parties(case):
        abort(403)
    audit.record("pii.reveal", "grid_mediation_case", case.id, fields=["parties"])
    db.session.commit()
    return render_template("grid/_parties.html", parties=_parties(case, reveal=True), case=case, may_reveal=False)


@bp.get("/mediation")
@requires("grid.view")
def mediation_cases():
    """Mediation cases of the user's grids, newest first, with their next follow-up."""
    from . import records
    from .models import MediationCase
    rows = list(db.session.scalars(_in_scope(select(MediationCase), MediationCase.grid_id)
                                   .order_by(MediationCase.created_at.desc(), MediationCase.id.desc()).limit(200)))
    return render_template("grid/mediations.html", rows=rows, names=_grid_names(), today=records.today(),
                           follow_ups={r.id: records.follow_up_dates(r) for r in rows})


def _case_or_404(case_id: int):
    from .models import MediationCase
    row = db.session.scalars(_in_scope(select(MediationCase).where(MediationCase.id == case_id),
                                       MediationCase.grid_id)).first()
    if row is None:
        abort(404)
    return row


def _case_page(case, status=HTTPStatus.OK, errors=None, form=None, open_form=None):
    from . import records
    done = {e.follow_up_day for e in records.entries(case.id) if e.kind == "follow_up"}
    return render_template("grid/mediation.html", case=case, parties=_parties(case), may_reveal=_may_reveal_parties(case),
                           entries=records.entries(case.id),
                           grid=db.session.get(OrgUnit, case.grid_id), follow_ups=records.follow_up_dates(case),
                           done=done, today=records.today(), errors=errors or {}, form=form or {},
                           open_form=open_form, event=db.session.get(GridEvent, case.event_id) if case.event_id else None
                           ), status


@bp.get("/mediation/<grid_mediation:case_id>")
@requires("grid.view")
def mediation(case_id: int):
    """One mediation: parties (masked), meetings, agreement, follow-ups at 7 and 30 days, hand-off."""
    return _case_page(_case_or_404(case_id))


MEDIATION_STEPS = {"meeting": ("MeetingIn", "add_meeting"), "agreement": ("AgreementIn", "record_agreement"),
                   "follow_up": ("FollowUpIn", "add_follow_up"), "handoff": ("HandoffIn", "hand_off")}


@bp.post("/mediation/<grid_mediation:case_id>/<step>")
@requires("grid.log.write")
@example_args(step="meeting")
def mediation_step(case_id: int, step: str):
    """Add a meeting or a follow-up (append-only), or record the agreement or the hand-off (once)."""
    from . import records, schemas
    if step not in MEDIATION_STEPS:
        abort(404)
    case = _case_or_404(case_id)
    schema_name, service = MEDIATION_STEPS[step]
    try:
        data = getattr(schemas, schema_name)().load(form_data())
        getattr(records, service)(case.id, data)
    except ValidationError as err:
        db.session.rollback()
        return _case_page(_case_or_404(case_id), HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form, step)
    except Stale:
        db.session.rollback()
        return _case_page(_case_or_404(case_id), HTTPStatus.CONFLICT,
                          {"_": [_("这条调解记录刚被其他人更新过，下面是最新情况，请确认后再操作")]}, None, step)
    except Refused as err:
        db.session.rollback()
        return _case_page(_case_or_404(case_id), HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form, step)
    db.session.commit()
    return see_other(url_for("grid.mediation", case_id=case_id))


@bp.post("/<grid_event:event_id>/mediation")
@requires("grid.log.write")
def mediate_event(event_id: int):
    """Start mediating a dispute event: its parties, then meetings and the agreement on the case page."""
    from . import records
    from .schemas import MediationIn
    ev = _scoped_or_404(event_id)
    try:
        case = records.mediate_event(ev, MediationIn().load(form_data())["parties"])
    except ValidationError as err:
        db.session.rollback()
        return _event_page(_scoped_or_404(event_id), HTTPStatus.UNPROCESSABLE_ENTITY, mediation_errors=err.messages,
                           mediation_form=request.form)
    except Refused as err:
        db.session.rollback()
        return _event_page(_scoped_or_404(event_id), HTTPStatus.UNPROCESSABLE_ENTITY,
                           mediation_errors={"_": [str(err)]}, mediation_form=request.form)
    target = url_for("grid.mediation", case_id=case.id)
    db.session.commit()
    return see_other(target)


# care visits: a sensitive list, seen only with a reason code, every view audited


def _visit_rows(reason: str):
    """The care list in the user's grids, audited with the reason it was opened for."""
    from core.api import audit

    from . import records
    units = units_within("grid.sensitive.view")
    rows = records.plans(units)
    homes = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_({r.household_id for r in rows})))}
    buildings = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({h.parent_id for h in homes.values()}))).all())
    label = {hid: f"{buildings.get(h.parent_id, '')} {h.name}".strip() for hid, h in homes.items()}
    audit.record("grid.sensitive.view", "grid_visit_plan", None, reason=reason, rows=len(rows))
    return rows, label


@bp.get("/visits")
@requires("grid.sensitive.view")
@writes_on_get
def visits():
    """The care visit list (关爱走访). Opening it needs a reason code; each view goes into the audit log."""
    reason, refusal, context = _view_reason()
    if refusal is not None:
        return refusal
    rows, label = _visit_rows(reason)
    db.session.commit()
    resp = make_response(render_template("grid/visits.html", **{**context, "rows": rows, "label": label,
                                                                "reason": reason}))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _view_reason():
    """(reason, None, context) when a valid reason code was chosen; otherwise (None, the chooser page, …):
    200 when none was asked yet, 422 for a missing or unknown one."""
    from . import records
    from .models import CARE_TYPES, VIEW_REASONS
    from .schemas import ViewReasonIn
    context = {"reasons": VIEW_REASONS, "care_types": CARE_TYPES, "rows": None, "label": {}, "names": _grid_names(),
               "reason": None, "today": records.today(), "errors": {}}
    if "reason" not in request.args:
        return None, render_template("grid/visits.html", **context), context
    try:
        return ViewReasonIn().load({"reason": request.args.get("reason", "")})["reason"], None, context
    except ValidationError as err:
        page = render_template("grid/visits.html", **{**context, "errors": err.messages})
        return None, (page, HTTPStatus.UNPROCESSABLE_ENTITY), context


@bp.get("/visits/export.xlsx")
@requires("grid.sensitive.view")
@writes_on_get
def export_visits():
    """The care list as a sheet: the same reason code and the same audit as viewing it, and a watermark."""
    from core.api import sheets

    from .models import CARE_TYPES
    reason, refusal, _context = _view_reason()
    if refusal is not None:
        return refusal
    rows, label = _visit_rows(reason)
    names = _grid_names()
    out = [[f"导出人 {g.user.username} · {clock.utcnow().astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M} · 原因 {reason}"]]
    out += [[names.get(r.grid_id, ""), label.get(r.household_id, ""), str(CARE_TYPES[r.care_type]), r.cadence_days,
             r.next_due.isoformat(), clock.local(r.last_visit_at).strftime("%Y-%m-%d") if r.last_visit_at else ""]
            for r in rows]
    db.session.commit()
    return sheets.download("xlsx", "关爱走访名单", ["网格", "户", "关爱类型", "走访周期（天）", "下次走访", "上次走访"], out)


def _visit_form(status=HTTPStatus.OK, errors=None, form=None):
    """Choose the grid, then one of its households (the list follows the grid through htmx)."""
    from . import records
    from .models import CARE_TYPES
    form = form or {"cadence_days": 30, "grid_id": request.args.get("grid_id", "")}
    mine = [g for g in grids() if current().can("grid.sensitive.view", g.path)]
    chosen = next((g for g in mine if str(g.id) == str(form.get("grid_id", ""))), mine[0] if mine else None)
    return render_template("grid/visit_new.html", grids=mine, chosen=chosen, care_types=CARE_TYPES,
                           homes=records.households(chosen) if chosen else [], errors=errors or {}, form=form), status


@bp.get("/visits/new")
@requires("grid.sensitive.view")
def new_visit_plan():
    """Put a household on the care list: care type, how often, first visit date."""
    return _visit_form()


@bp.post("/visits")
@requires("grid.sensitive.view")
def add_visit_plan():
    from . import records
    from .schemas import VisitPlanIn
    try:
        records.add_plan(VisitPlanIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _visit_form(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form)
    except Refused as err:
        db.session.rollback()
        return _visit_form(HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form)
    db.session.commit()
    return see_other(url_for("grid.visits"))
