"""The intake queue and reporting: the event list, the report forms (staff and public), duplicates, subscriptions, dashboard widgets."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from http import HTTPStatus

from flask import abort, render_template, request, url_for
from markupsafe import Markup
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from core import api
from core.api import (
    OrgUnit,
    arg,
    as_id,
    audience,
    client_ip,
    clock,
    current,
    db,
    flash,
    form_data,
    invalid_form,
    is_fragment_request,
    label_beside_parent,
    local_dt,
    parse_id,
    parse_moment,
    requires,
    see_other,
    tenant_url,
    units_within,
)

from .. import photos, records, services, stats
from ..categories import URGENCIES
from ..machine import TERMINAL, Refused
from ..models import Category, GridEvent
from ..profiles import locate, retired_ids, successor
from ..schemas import EventIn, PublicReportIn, SubscribeIn
from .common import categories, grid_labels, grids, labels, scoped, scoped_or_404
from .places import report_place

PAGE = 50


STATE_GROUPS = {
    "intake": ("SUBMITTED", "VERIFYING", "REGISTERED", "RETURN_REQUESTED"),
    "handling": ("DISPATCHED", "IN_PROGRESS", "SUSPENDED"),
    "checking": ("AWAITING_CHECK", "AWAITING_CALLBACK"),
    "done": TERMINAL,
}


@functools.cache
def _queue_select():
    """What a queue row shows, with its category and grid names joined in: one light query per page.
    Built once; each request adds only its filters."""
    parent = aliased(OrgUnit)  # the grid's community, for its display name (社区·网格) without another query
    return (select(GridEvent.id, GridEvent.ref_no, GridEvent.title, GridEvent.urgency, GridEvent.state,
                   GridEvent.stage_deadline, GridEvent.created_at, GridEvent.stage_started_at,
                   Category.name.label("category_name"), OrgUnit.name.label("grid_name"), GridEvent.grid_id,
                   OrgUnit.kind.label("grid_kind"), parent.kind.label("parent_kind"), parent.name.label("parent_name"))
            .outerjoin(Category, (Category.id == GridEvent.category_id) & (Category.tenant_id == GridEvent.tenant_id))
            .outerjoin(OrgUnit, (OrgUnit.id == GridEvent.grid_id) & (OrgUnit.tenant_id == GridEvent.tenant_id))
            .outerjoin(parent, (parent.id == OrgUnit.parent_id) & (parent.tenant_id == OrgUnit.tenant_id)))


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




def _short(due: str) -> str:
    """``MM-dd HH:mm`` out of ``yyyy-MM-dd'T'HH:mm``: the row's time zone conversion is done once."""
    return f"{due[5:10]} {due[11:16]}" if due else ""


@requires("grid.view")
def events():
    """Events, newest first, filtered by stage, category and urgency; the rows alone for htmx.

    The rows are rendered once for each state of the tenant's data (``api.cached_fragment``): the
    queue is the page staff reload all day, and it changes only when something is written or a
    deadline colour turns."""
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
    fragment = is_fragment_request("event-rows")
    # everything the rows depend on besides the tenant's data: the address, the user's part of the tree
    parts = (tuple(sorted(request.args.items(multi=True))), fragment, tuple(sorted(current().scope_paths("grid.view"))))
    html = api.cached_fragment("grid.queue", parts, lambda: _queue_html(group, params, fragment))
    return html if fragment else render_template("grid/events.html", main_html=html)


def _queue_html(group: str, params: dict, fragment: bool):
    """The queue's rows rendered (with the filters around them for the whole page), and when the
    first deadline colour among the rows turns."""
    # scoped users (a grid worker, a community) add their part of the tree to the shared statement
    stmt = scoped(_queue_statement(group if group in STATE_GROUPS or group == "open" else "all", frozenset(params)))
    rows = db.session.execute(stmt, params).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    next_key = f"{clock.aware(rows[-1].created_at).isoformat()}_{rows[-1].id}" if more else None
    now = clock.utcnow()
    # 社区·网格, not a bare 第1网格: the joined parent names nearly every grid; the rest are looked up
    names = {r.grid_id: label_beside_parent(r.grid_kind, r.grid_name, r.parent_kind, r.parent_name)
             for r in rows if r.grid_id}
    names.update(grid_labels(i for i, label in names.items() if label is None))
    turns = [t for r in rows if (t := services.sla_colour_until(r.state, r.stage_deadline,
                                                                 r.stage_started_at or r.created_at, now))]
    # colour and due times in Python, and plain tuples: the template only places strings
    rows = [(id_, ref_no, title, urgency, state, category_name or "", names.get(grid_id) or grid_name or "",
             services.sla_colour_at(state, deadline, started_at or created_at, now), due, _short(due))
            for id_, ref_no, title, urgency, state, deadline, created_at, started_at, category_name, grid_name, grid_id,
            *_parent in rows for due in (local_dt(deadline, "yyyy-MM-dd'T'HH:mm"),)]
    html = Markup(render_template("grid/_event_rows.html", rows=rows, group=group, args=request.args,
                                  next_key=next_key, base_url=tenant_url("grid.events"), **labels()))
    if not fragment:  # the filter form's category choices are needed only for the whole page
        cats = [(str(i), name) for i, name in db.session.execute(_category_choices())]
        html = Markup(render_template("grid/_events_main.html", rows_html=html, cats=cats, group=group,
                                      args=request.args, chosen_category=request.args.get("category", ""), **labels()))
    return html, min(turns, default=None)


NEW_DEFAULTS = {"urgency": "NORMAL", "source": "GRID_PATROL"}


def _new_page(errors=None, form=None, status=HTTPStatus.OK):
    return render_template("grid/new.html", cats=categories(), grids=grids(), errors=errors or {},
                           form={**NEW_DEFAULTS, **(form or {})}, **labels()), status


@requires("grid.event.report")
def new():
    """Report an event in under a minute: category, place, what happened. Opened from a service log
    or a patrol finding (转为事件), the form comes prefilled and the event will link back. A resident
    (who reports but does not work events) gets the resident form instead."""
    if not current().has("grid.view"):
        return resident_report(current().user_id)
    form = {"grid_id": request.args.get("grid_id", "")}
    kind, row_id = request.args.get("from_kind", ""), arg("from_id", parse_id)
    if kind and row_id:
        form.update(_prefill_from(kind, row_id))
    return _new_page(form=form)


def _prefill_from(kind: str, row_id: int) -> dict:
    """The report form filled from a log or patrol of the user's grids; someone else's is 404."""
    row = records.source_row(kind, row_id)
    if row is None or row.grid_id not in {g.id for g in grids()}:
        abort(404)
    if kind == "log":
        text_, source = row.summary, "PHONE_VISIT" if row.form == "phone" else "GRID_PATROL"
    else:
        text_, source = row.findings, "GRID_PATROL"
    return {"grid_id": row.grid_id, "title": text_.splitlines()[0][:100] if text_ else "", "description": text_,
            "source": source, "from_kind": kind, "from_id": row.id}


@requires("grid.event.report")
def create():
    if not current().has("grid.view"):  # residents report on the resident form
        return resident_report(current().user_id)
    fields_ = form_data()
    origin = (fields_.pop("from_kind", ""), fields_.pop("from_id", ""))
    try:
        data = EventIn().load(fields_)
        mine = {u.id for u in grids()}
        if data.get("grid_id") and data["grid_id"] not in mine:
            raise ValidationError({"grid_id": [_("只能在自己负责的网格上报")]})
        if not data.get("grid_id") and data.get("lat") is not None:
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
    flash(_("已上报"))
    db.session.commit()
    return see_other(target)


#: residents' reports from one address per hour (the public page and Open311 together)
REPORTS_PER_HOUR = 20


def public_reports_open() -> bool:
    """The street's switch for residents' reports without sign-in (the public page and Open311)."""
    return bool(api.settings("grid").get("public_reports", True))


@audience("public")
def public_report():
    """A resident reports a problem without signing in (QR posters lead here); rate-limited, spam-trapped."""
    if not public_reports_open():
        abort(404)  # the street has closed its public report page
    return resident_report(None)


def resident_report(actor_id: int | None):
    """The resident form and what it sends, for the public page and for a signed-in resident
    (``actor_id``: the event is theirs, and they are told when it closes)."""
    page = {"action": url_for("grid.create") if actor_id else url_for("grid.public_report"), "enabled": True}
    if request.method == "GET":
        grid_id = arg("grid_id", parse_id)
        if grid_id is not None:
            if grid_id in retired_ids():  # a poster of a grid since merged: report to the grid it joined
                grid_id = successor(grid_id)
        return render_template("grid/report.html", cats=categories(), **report_place({"grid_id": grid_id}), errors={},
                               form={"grid_id": grid_id or ""}, done=None, **page)
    try:
        data = PublicReportIn().load(form_data())
    except ValidationError as err:
        return render_template("grid/report.html", cats=categories(), **report_place(request.form), errors=err.messages,
                               form=request.form, done=None, **page), HTTPStatus.UNPROCESSABLE_ENTITY
    if not api.rate_limit(f"report:{client_ip()}", REPORTS_PER_HOUR, 60):  # counted in one statement
        db.session.commit()
        return render_template("grid/report.html", cats=categories(), **report_place(request.form), form=request.form, done=None,
                               errors={"_": [_("提交过于频繁，请一小时后再试，或拨打社区电话")]}, **page), \
            HTTPStatus.TOO_MANY_REQUESTS
    if data.pop("website"):  # a robot filled the invisible field: thank it, store nothing
        db.session.commit()
        return render_template("grid/report.html", done="E-RECEIVED", cats=[], grids=[], errors={}, form={}, **page)
    try:
        event = services.report_event(data, "RESIDENT", actor_id)
        upload = request.files.get("photo")
        if upload is not None and upload.filename:
            photos.save(event.id, upload, "report")
    except Refused as err:
        db.session.rollback()
        return render_template("grid/report.html", cats=categories(), **report_place(request.form), errors={"_": [str(err)]},
                               form=request.form, done=None, **page), HTTPStatus.UNPROCESSABLE_ENTITY
    ref = event.ref_no
    db.session.commit()
    return render_template("grid/report.html", done=ref, cats=[], grids=[], errors={}, form={}, **page)


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


@requires("grid.event.report")
def subscribe(event_id: int):
    """From the duplicate panel at intake: the caller follows the open event instead of filing it again."""
    ev = scoped_or_404(event_id)
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


@requires("grid.view")
def widget_open():
    """Open events by SLA colour."""
    rows = db.session.scalars(scoped(select(GridEvent).where(GridEvent.state.not_in(TERMINAL))).limit(2000))
    counts = {"red": 0, "orange": 0, "yellow": 0, "green": 0, "none": 0}
    for ev in rows:
        counts[services.sla_colour(ev)] += 1
    return render_template("grid/_widget_open.html", counts=counts)


@requires("grid.reports.view")
def widget_month():
    """This month's on-time closure rate and solved counts."""
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    start = today.replace(day=1)
    units = units_within("grid.reports.view")
    return render_template("grid/_widget_month.html", kpis={k.key: k for k in stats.kpis(start, today, units)},
                           buckets=stats.buckets(start, today, units), **labels())
