"""接待日程: the month calendar per studio with compliance colours, the reception panel and its
actions; studios, representatives and series (with a preview of the next 12 occurrences)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import cast, select, String

from flask_babel import gettext as _
from core import api
from core.api import (arg, clock, db, form_action, form_data, invalid_form, parse_date, parse_id,
                      render_page_or_fragment, requires)

from .. import rule_text
from ..models import Booking, Host, Reception, Representative, Series, Slot, Studio
from ..schemas import ReasonIn, RepresentativeIn, RescheduleIn, SeriesIn, StudioIn
from ..services import compliance, schedule as svc
from .common import labels, reception_for, require_on, studios as visible_studios


def _month() -> date:
    first = arg("month", parse_date) or clock.local(clock.utcnow()).date()
    return first.replace(day=1)


@requires("office_hours.view")
def calendar():
    """One studio's month: each day its receptions, the month's compliance status."""
    mine = visible_studios()
    chosen = arg("studio", parse_id)
    studio = next((s for s in mine if s.id == chosen), mine[0] if mine else None)
    month = _month()
    nxt = (month + timedelta(days=32)).replace(day=1)
    days, status = [], None
    if studio is not None:
        lo, hi = svc.month_bounds(month.year, month.month)
        rows = db.session.scalars(select(Reception).where(Reception.studio_id == studio.id, Reception.starts_at >= lo,
                                                          Reception.starts_at < hi).order_by(Reception.starts_at)).all()
        by_day: dict[int, list] = {}
        for r in rows:
            by_day.setdefault(clock.local(r.starts_at).day, []).append(r)
        cal = api.work_calendar()
        d = month
        while d < nxt:
            days.append((d, cal.is_working(d), by_day.get(d.day, [])))
            d += timedelta(days=1)
        t = compliance.table([studio], month, month, risk_day=api.settings("office_hours")["risk_day"])
        status = t[studio.id][0] if t[studio.id] else None
    return render_template("office_hours/calendar.html", studios=mine, studio=studio, month=month, days=days,
                           status=status, prev=(month - timedelta(days=1)).replace(day=1), next=nxt,
                           lead=(month.weekday()), **labels())


def _panel_context(r: Reception, studio: Studio, **extra) -> dict:
    hosts = db.session.execute(select(Host, Representative).join(
        Representative, (Representative.id == Host.representative_id) & (Representative.tenant_id == Host.tenant_id))
        .where(Host.reception_id == r.id)).all()
    names = {p.id: p.name for p in db.session.scalars(select(api.Person).where(
        api.Person.id.in_([rep.person_id for _h, rep in hosts])))}
    slots = db.session.scalars(select(Slot).where(Slot.reception_id == r.id).order_by(Slot.starts_at)).all()
    booked = db.session.scalar(select(db.func.count()).select_from(Booking).where(
        Booking.reception_id == r.id, Booking.state.in_(("held", "confirmed", "checked_in", "served"))))
    unit = api.org_unit(studio.org_unit_id)
    reps = db.session.scalars(select(Representative).where(Representative.status == "active")).all()
    return {"r": r, "studio": studio, "hosts": hosts, "names": names, "slots": slots, "booked": booked,
            "manage": api.can("office_hours.reception.manage", unit), "reps": reps,
            "rep_names": {p.id: p.name for p in db.session.scalars(select(api.Person).where(
                api.Person.id.in_([x.person_id for x in reps])))},
            "errors": {}, "form": {}, **labels(), **extra}


@requires("office_hours.view")
def reception(reception_id: int):
    r, studio = reception_for("office_hours.view", reception_id)
    return render_page_or_fragment("office_hours/reception.html", "office_hours/_reception_panel.html", "panel",
                                   **_panel_context(r, studio))


def _act(reception_id: int, schema, service, message: str):
    r, studio = reception_for("office_hours.reception.manage", reception_id)
    return form_action(schema, lambda data: service(r, data), page="office_hours/reception.html",
                       fragment="office_hours/_reception_panel.html", form_id="panel",
                       context=lambda **kw: _panel_context(r, studio, **kw),
                       done=lambda _res: url_for("office_hours.reception", reception_id=r.id), message=message)


@requires("office_hours.reception.manage")
def announce(reception_id: int):
    class _In(ReasonIn):
        class Meta:
            exclude = ("reason",)
    return _act(reception_id, _In(), lambda r, d: svc.announce(r, d.get("version")), "已发布，居民可以预约")


@requires("office_hours.reception.manage")
def cancel_reception(reception_id: int):
    return _act(reception_id, ReasonIn(), lambda r, d: svc.cancel(r, d["reason"], d.get("version")),
                "已取消，已通知所有预约人")


@requires("office_hours.reception.manage")
def reschedule(reception_id: int):
    return _act(reception_id, RescheduleIn(),
                lambda r, d: svc.reschedule(r, d["starts_at"], d["reason"], d.get("version")),
                "已改期，已通知预约人优先预约新时间")


@requires("office_hours.reception.manage")
def hosts(reception_id: int):
    """Confirm a host, or add a substitute (confirmed when the substitute has agreed)."""
    def service(r, _data):
        rep_id = parse_id(request.form.get("representative_id", ""))
        host_id = parse_id(request.form.get("host_id", ""))
        if host_id:
            return svc.confirm_host(r, host_id)
        if rep_id:
            return svc.add_host(r, rep_id, request.form.get("role", "substitute"),
                                confirmed=request.form.get("confirmed") == "1")
        raise api.Refused(_("请选择代表"))

    class _In(ReasonIn):
        class Meta:
            exclude = ("reason",)
            unknown = "exclude"
    return _act(reception_id, _In(), service, "已保存")


def _studios_context(**kw) -> dict:
    mine = visible_studios("office_hours.reception.manage")
    reps = db.session.scalars(select(Representative).order_by(Representative.kind, Representative.id)).all()
    people = {p.id: p.name for p in db.session.scalars(select(api.Person).where(
        api.Person.id.in_([r.person_id for r in reps])))}
    units = db.session.scalars(select(api.OrgUnit).where(api.OrgUnit.kind.in_(("street", "community")))
                               .order_by(api.OrgUnit.path)).all()
    candidates = db.session.scalars(select(api.Person).where(
        cast(api.Person.kinds, String).like('%representative%')).order_by(api.Person.id).limit(200)).all()
    return {"studios": mine, "reps": reps, "people": people, "units": units, "candidates": candidates,
            "errors": {}, "form": {}, **labels(), **kw}


@requires("office_hours.reception.manage")
def studios():
    return render_template("office_hours/studios.html", **_studios_context())


def _unit_checked(unit_id: int):
    unit = api.org_unit(unit_id)
    if unit is None or not api.can("office_hours.reception.manage", unit):
        raise api.Refused(_("请选择您负责的社区"))
    return unit


@requires("office_hours.reception.manage")
def new_studio():
    def service(data):
        _unit_checked(data["org_unit_id"])
        s = Studio(**data)
        db.session.add(s)
        db.session.flush()
        return s
    return form_action(StudioIn(), service, page="office_hours/studios.html", fragment="office_hours/studios.html",
                       form_id="studio-form", context=_studios_context,
                       done=lambda s: url_for("office_hours.series_page", studio_id=s.id), message=_("工作室已建立"))


@requires("office_hours.reception.manage")
def new_representative():
    def service(data):
        _unit_checked(data["org_unit_id"])
        if api.person(data["person_id"]) is None:
            raise api.Refused(_("请选择人员"))
        data["linked_unit_ids"] = [data["org_unit_id"]]
        rep = Representative(**data)
        db.session.add(rep)
        db.session.flush()
        return rep
    return form_action(RepresentativeIn(), service, page="office_hours/studios.html",
                       fragment="office_hours/studios.html", form_id="rep-form", context=_studios_context,
                       done=lambda _r: url_for("office_hours.studios"), message=_("代表已登记"))


def _series_context(studio: Studio, **kw) -> dict:
    series = db.session.scalars(select(Series).where(Series.studio_id == studio.id).order_by(Series.id.desc())).all()
    reps = db.session.scalars(select(Representative).where(Representative.status == "active")).all()
    names = {p.id: p.name for p in db.session.scalars(select(api.Person).where(
        api.Person.id.in_([r.person_id for r in reps])))}
    return {"studio": studio, "series": series, "reps": reps, "names": names, "preview": None, "errors": {},
            "form": {}, "rule_text": rule_text.describe, **labels(), **kw}


@requires("office_hours.reception.manage")
def series_page(studio_id: int):
    studio = require_on("office_hours.reception.manage", studio_id)
    return render_template("office_hours/series.html", **_series_context(studio))


def _series_data() -> dict:
    data = form_data()
    data.pop("host_ids", None)
    data["host_ids"] = request.form.getlist("host_ids")
    return SeriesIn().load(data)


@requires("office_hours.reception.manage")
def series_preview(studio_id: int):
    """The next 12 occurrences on the work calendar, before anything is saved."""
    studio = require_on("office_hours.reception.manage", studio_id)
    try:
        data = _series_data()
        at = data.pop("at")
        from datetime import datetime
        probe = Series(studio_id=studio.id, dtstart=datetime.combine(data["valid_from"], at, tzinfo=clock.SHANGHAI),
                       **{k: v for k, v in data.items() if k != "host_ids"})
        rows = svc.preview(probe)
    except ValidationError as err:
        return invalid_form("office_hours/series.html", "office_hours/_series_form.html", "series-form",
                            **_series_context(studio, errors=err.messages, form=request.form))
    except (ValueError, TypeError) as exc:
        return invalid_form("office_hours/series.html", "office_hours/_series_form.html", "series-form",
                            **_series_context(studio, errors={"rrule": [f"重复规则无法识别：{str(exc)[:60]}"]},
                                              form=request.form))
    return render_template("office_hours/_series_preview.html", preview=rows)


@requires("office_hours.reception.manage")
def series_save(studio_id: int):
    studio = require_on("office_hours.reception.manage", studio_id)

    class _Load:
        def load(self, _raw):
            return _series_data()
    return form_action(_Load(), lambda data: svc.save_series(studio, data), page="office_hours/series.html",
                       fragment="office_hours/_series_form.html", form_id="series-form",
                       context=lambda **kw: _series_context(studio, **kw),
                       done=lambda s: url_for("office_hours.calendar", studio=studio.id), message=_("排班已保存"))
