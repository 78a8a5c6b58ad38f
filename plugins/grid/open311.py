"""Open311 GeoReport v2 (docs/grid.md §15): the street's events for 12345 and provincial platforms.

It is the public report page in machine form: same address (``/t/<street>/grid/``), same switch
(the street's 开放居民上报页面 setting), same validation for new reports. Reading is public; a new
report needs an API key with the ``open311`` scope (made by the street's admin, sent as GeoReport's
``api_key`` field or an ``Authorization: Bearer`` header), so a platform needs no cookie or CSRF
token, and the hourly limit is the key's. ``jurisdiction_id`` is the street's slug;
``expected_datetime`` is the case deadline. A reporter's name and phone never leave. A public
read gives the address down to the building at most, the point to about 10 m, and the text with
phone numbers, ID numbers, rooms and names masked (redact.py); an event reported anonymously
(public_anon) or a dispute between people (profile DISPUTE) is listed without its description and
address, which could name them. A platform reading with its ``open311`` key gets the full record.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from http import HTTPStatus

from flask import abort, make_response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.api import (
    OrgUnit,
    api_key_required,
    audience,
    clock,
    current,
    db,
    example_args,
    parse_moment,
    presented_key_grants,
    tenant_slug,
)

from . import services
from .redact import public_address, public_text
from .categories import BUCKETS
from .machine import CLOSURES, STATE_LABELS, TERMINAL, Refused
from .models import Category, GridEvent, Transition
from .schemas import PublicReportIn
from .views.common import categories
from .views.queue import public_reports_open

PREFIX = "/open311/v2"
FORMATS = ("json", "xml")
MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default when no dates are given
#: Open311 field → event column; each is sent only once the event has that column
COORDINATES = {"lat": "lat", "long": "lng"}
#: our form fields as an Open311 client names them, for error messages
FIELD_NAMES = {"title": "description", "description": "description", "category_id": "service_code",
               "address": "address_string", "reporter_phone": "phone", "reporter_name": "first_name"}


class Open311Error(Exception):
    """An answer in the Open311 error format: the status and one description per problem."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions)
        self.status, self.descriptions = status, descriptions


def _iso(value: datetime | None) -> str | None:
    """ISO-8601 in Beijing time, e.g. 2026-05-07T16:00:00+08:00."""
    return clock.local(value).isoformat(timespec="seconds") if value else None


def _respond(fmt: str, root: str, item: str, rows: list[dict], status=HTTPStatus.OK):
    if fmt == "json":  # UTF-8 as is: Chinese names stay readable to the platforms' staff
        resp = make_response(json.dumps(rows, ensure_ascii=False))
        resp.mimetype = "application/json"
    else:
        top = ET.Element(root)
        for row in rows:
            el = ET.SubElement(top, item)
            for key, value in row.items():
                ET.SubElement(el, key).text = ("true" if value else "false") if isinstance(value, bool) else \
                    ("" if value is None else str(value))
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode")
        resp = make_response(body)
        resp.mimetype = "text/xml"
    resp.status_code = status
    return resp


def _error(fmt: str, err: Open311Error):
    rows = [{"code": err.status, "description": d} for d in err.descriptions]
    return _respond(fmt, "errors", "error", rows, err.status)


def _open(fmt: str) -> None:
    """The same gate as the public page, plus the jurisdiction (optional, as the spec allows for an
    endpoint that serves one jurisdiction; when given it must be this street)."""
    if fmt not in FORMATS:
        abort(404)
    if not public_reports_open():
        raise Open311Error(HTTPStatus.NOT_FOUND, _("本街道未开放居民上报"))
    jurisdiction = request.values.get("jurisdiction_id")
    slug = tenant_slug(current().active)
    if jurisdiction is not None and jurisdiction != slug:
        raise Open311Error(HTTPStatus.NOT_FOUND, _("jurisdiction_id 不存在：这里是 %(slug)s", slug=slug))


def _refused(status: int, message: str):
    """A refused key (or a keyless POST) in the Open311 error format of the requested suffix."""
    return _error(request.view_args.get("fmt", "json") if request.view_args else "json", Open311Error(status, message))


def _answers_in_open311(view):
    """Errors raised before a keyless rule runs (the module off or paused here) answer in the Open311
    format too: a platform's client parses the error list, never a page."""
    view._api_answer = _refused
    return view


def _service(c: Category) -> dict:
    return {"service_code": c.code, "service_name": c.name, "description": c.name, "metadata": False,
            "type": "realtime", "keywords": "", "group": str(BUCKETS.get(c.bucket, c.bucket))}


def _request(e: GridEvent, c: Category, agency: str | None, updated: datetime | None, full: bool = False) -> dict:
    discreet = not full and (e.anonymity == "public_anon" or c.profile == "DISPUTE")
    closed = e.state in TERMINAL
    notes = str(STATE_LABELS[e.state]) + (f" · {CLOSURES[e.closure_type]}" if e.closure_type in CLOSURES else "")
    text, address = e.description or e.title, e.address
    if not full:
        text, address = public_text(text), public_address(address)
    row = {"service_request_id": e.ref_no, "status": "closed" if closed else "open", "status_notes": notes,
           "service_name": c.name, "service_code": c.code, "description": None if discreet else text,
           "agency_responsible": agency, "service_notice": None, "requested_datetime": _iso(e.created_at),
           "updated_datetime": _iso(updated or e.created_at), "expected_datetime": _iso(e.case_deadline),
           "address": None if discreet else address}
    if not discreet and e.lat is not None:  # the point the report was made at; about 10 m in public
        row.update({name: float(getattr(e, column)) if full else round(float(getattr(e, column)), 4)
                    for name, column in COORDINATES.items()})
    return row


def _full_record() -> bool:
    """True for a platform reading with its ``open311`` key; a key that is not one is refused."""
    granted = presented_key_grants("open311")
    if granted is False:
        raise Open311Error(HTTPStatus.FORBIDDEN, _("API 密钥无效、已撤销，或无权调用此接口"))
    return bool(granted)


def _requests(rows: list[GridEvent], full: bool = False) -> list[dict]:
    cats = {c.id: c for c in db.session.scalars(select(Category))}
    ids = [e.id for e in rows]
    updated = dict(db.session.execute(select(Transition.event_id, func.max(Transition.at))
                                      .where(Transition.event_id.in_(ids)).group_by(Transition.event_id)).all()) \
        if ids else {}
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({e.handler_unit_id for e in rows if e.handler_unit_id}))).all())
    return [_request(e, cats[e.category_id], units.get(e.handler_unit_id), updated.get(e.id), full) for e in rows]


def _when(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_moment(raw, clock.SHANGHAI)
    except ValueError:
        raise Open311Error(HTTPStatus.BAD_REQUEST, _("%(f)s 应为 ISO-8601 时间，如 2026-05-01T00:00:00+08:00", f=name))


def _listed(arg: str) -> list[str]:
    return [v.strip() for v in request.args.get(arg, "").split(",") if v.strip()]


@audience("api")
@_answers_in_open311
@example_args(fmt="json")
def open311_services(fmt: str):
    """GET Service List: the street's active categories, grouped by bucket."""
    try:
        _open(fmt)
    except Open311Error as err:
        return _error(fmt, err)
    return _respond(fmt, "services", "service", [_service(c) for c in categories()])


@audience("api")
@_answers_in_open311
@example_args(fmt="json")
def open311_requests(fmt: str):
    """GET Service Requests: newest first, at most 1000; by ids, or by code, status and time window."""
    try:
        _open(fmt)
        full = _full_record()
        stmt = select(GridEvent)
        refs = _listed("service_request_id")
        if refs:  # the spec: with ids, the other filters are ignored
            stmt = stmt.where(GridEvent.ref_no.in_(refs))
        else:
            codes = _listed("service_code")
            if codes:
                stmt = stmt.where(GridEvent.category_id.in_(select(Category.id).where(Category.code.in_(codes))))
            statuses = set(_listed("status"))
            if statuses - {"open", "closed"}:
                raise Open311Error(HTTPStatus.BAD_REQUEST, _("status 只能是 open 或 closed"))
            if statuses == {"open"}:
                stmt = stmt.where(GridEvent.state.not_in(TERMINAL))
            elif statuses == {"closed"}:
                stmt = stmt.where(GridEvent.state.in_(TERMINAL))
            start, end = _when("start_date"), _when("end_date")
            if start is None and end is None:
                start = clock.utcnow() - DEFAULT_WINDOW
            if start is not None:
                stmt = stmt.where(GridEvent.created_at >= start)
            if end is not None:
                stmt = stmt.where(GridEvent.created_at <= end)
    except Open311Error as err:
        return _error(fmt, err)
    rows = list(db.session.scalars(stmt.order_by(GridEvent.created_at.desc(), GridEvent.id.desc()).limit(MAX_REQUESTS)))
    return _respond(fmt, "service_requests", "request", _requests(rows, full))


@audience("api")
@_answers_in_open311
@example_args(ref="E20260101-000000", fmt="json")
def open311_request(ref: str, fmt: str):
    """GET Service Request: one event by its 受理编号."""
    try:
        _open(fmt)
        full = _full_record()
        event = db.session.scalars(select(GridEvent).where(GridEvent.ref_no == ref)).first()
        if event is None:
            raise Open311Error(HTTPStatus.NOT_FOUND, _("没有这个受理编号"))
    except Open311Error as err:
        return _error(fmt, err)
    return _respond(fmt, "service_requests", "request", _requests([event], full))


def _report_data() -> dict:
    """An Open311 POST as the public form would have sent it (the title is the description's start)."""
    form = request.form
    code = form.get("service_code", "").strip()
    category = next((c for c in categories() if c.code == code), None)
    if category is None:
        raise Open311Error(HTTPStatus.BAD_REQUEST, _("service_code 不存在"))
    description = form.get("description", "").strip()
    name = " ".join(p for p in (form.get("last_name", "").strip(), form.get("first_name", "").strip()) if p)
    return {"title": (description.splitlines() or [""])[0][:30], "description": description,
            "category_id": category.id, "address": form.get("address_string", ""),
            "reporter_phone": form.get("phone", ""), "reporter_name": name or None}


@audience("api")
@api_key_required("open311", _l("Open311 事件上报（12345、省级平台）"), answer=_refused)
@example_args(fmt="json")
def open311_create(fmt: str):
    """POST Service Request: a report relayed by a platform, checked as on the public page."""
    try:
        _open(fmt)
        try:
            data = PublicReportIn().load(_report_data())
        except ValidationError as err:
            named: dict[str, list[str]] = {}
            for field, messages in err.messages.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    if str(message) not in named.setdefault(FIELD_NAMES.get(field, field), []):
                        named[FIELD_NAMES.get(field, field)].append(str(message))
            raise Open311Error(HTTPStatus.BAD_REQUEST, *(f"{f}: {'；'.join(m)}" for f, m in sorted(named.items()))) from err
        data.pop("website")
        event = services.report_event(data, "RESIDENT")
    except Refused as err:
        db.session.rollback()
        return _error(fmt, Open311Error(HTTPStatus.BAD_REQUEST, str(err)))
    except Open311Error as err:
        db.session.rollback()
        return _error(fmt, err)
    ref = event.ref_no
    db.session.commit()
    return _respond(fmt, "service_requests", "request", [{
        "service_request_id": ref, "service_notice": _("已受理，受理编号 %(ref)s，可凭编号查询办理进度", ref=ref),
        "account_id": None}])
