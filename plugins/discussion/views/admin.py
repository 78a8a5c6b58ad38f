"""议事站管理: stations with their rules (quorum, pass rule, publicity days), and each station's members,
voting or not, with effective dates. Lists show what the user may manage; writes check the object's unit."""
from __future__ import annotations

from datetime import date

from flask import render_template, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, OrgUnit

from ..models import Member, Station, Unit
from ..schemas import LEVELS, MemberIn, PASS_RULES, ROLES, StationIn, STATUSES
from ..services import admin as svc, cycles
from .lists import visible_stations


def _org_units() -> list[tuple[int, str]]:
    """The street and its communities, where a station can sit."""
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("street", "community")))).all()
    labels = api.unit_labels(units)
    return sorted(((u.id, labels[u.id]) for u in units), key=lambda p: api.label_key(p[1]))


def _station_form(s: Station) -> dict:
    return {k: getattr(s, k) for k in ("org_unit_id", *svc.STATION_FIELDS)}


def _stations_context(**kw) -> dict:
    stations = visible_stations()
    labels = api.unit_labels([api.org_unit(s.org_unit_id) for s in stations])
    counts = {s.id: len(_current_members(s)) for s in stations}
    return {"stations": stations, "labels": labels, "counts": counts, "levels": LEVELS, "rules": PASS_RULES,
            "statuses": STATUSES, "org_units": _org_units(), "errors": {},
            "form": {"level": "community", "quorum_min": 3, "pass_rule": "majority_of_present", "publicity_days": 7,
                     "support_freeze_n": 10, "min_meetings_per_quarter": 1, "display_name": ""}, **kw}


def stations():
    return render_template("discussion/admin_stations.html", **_stations_context())


def create_station():
    return form_action(StationIn(), svc.create_station, page="discussion/admin_stations.html",
                       fragment="discussion/_station_form.html", form_id="station-form", context=_stations_context,
                       done=lambda s: url_for("discussion.admin_station", station_id=s.id), message=_("议事站已设立"))


def _current_members(station: Station, on: date | None = None) -> list[Member]:
    on = on or cycles.today()
    return db.session.scalars(select(Member).where(
        Member.station_id == station.id, (Member.valid_from.is_(None)) | (Member.valid_from <= on),
        (Member.valid_to.is_(None)) | (Member.valid_to >= on)).order_by(Member.id)).all()


def _station_context(station: Station, **kw) -> dict:
    members = db.session.scalars(select(Member).where(Member.station_id == station.id)
                                 .order_by(Member.valid_to.is_not(None), Member.id)).all()
    current = {m.id for m in _current_members(station)}
    units = db.session.scalars(select(Unit).where(Unit.status == "active").order_by(Unit.name)).all()
    unit = api.org_unit(station.org_unit_id)
    ctx = {"station": station, "members": members, "current": current, "units": units,
           "unit_names": {u.id: u.name for u in units}, "roles": ROLES, "levels": LEVELS, "rules": PASS_RULES,
           "statuses": STATUSES, "org_units": _org_units(), "today": cycles.today(),
           "can_edit": api.can("discussion.unit.manage", unit), "can_members": api.can("discussion.meeting.manage", unit),
           "errors": {}, "form": _station_form(station),
           "member_form": {"role": "member", "voting": True, "valid_from": cycles.today().isoformat()},
           "member_errors": {}, **kw}
    return ctx


def station(station_id: int):
    s = get_or_404(Station, station_id)
    return render_template("discussion/admin_station.html", **_station_context(s))


def update_station(station_id: int):
    s = get_or_404(Station, station_id)
    return form_action(StationIn(), lambda data: svc.update_station(s, data), page="discussion/admin_station.html",
                       fragment="discussion/_station_form.html", form_id="station-form",
                       context=lambda **kw: _station_context(s, **kw),
                       done=lambda _s: url_for("discussion.admin_station", station_id=s.id), message=_("已保存"))


def add_member(station_id: int):
    s = get_or_404(Station, station_id)

    def context(errors=None, form=None):
        return _station_context(s, member_errors=errors or {}, member_form=form or {})
    return form_action(MemberIn(), lambda data: svc.add_member(s, data), page="discussion/admin_station.html",
                       fragment="discussion/_member_form.html", form_id="member-form", context=context,
                       done=lambda _m: url_for("discussion.admin_station", station_id=s.id), message=_("已添加成员"))


def _member_context(member: Member, **kw) -> dict:
    station = db.session.get(Station, member.station_id)
    units = db.session.scalars(select(Unit).where(Unit.status == "active").order_by(Unit.name)).all()
    form = {k: getattr(member, k) for k in svc.MEMBER_FIELDS}
    return {"member": member, "station": station, "units": units, "roles": ROLES, "errors": {}, "form": form,
            **kw}


def member(member_id: int):
    m = get_or_404(Member, member_id)
    return render_template("discussion/admin_member.html", **_member_context(m))


def update_member(member_id: int):
    m = get_or_404(Member, member_id)
    return form_action(MemberIn(), lambda data: svc.update_member(m, data), page="discussion/admin_member.html",
                       fragment="discussion/_member_form.html", form_id="member-form",
                       context=lambda **kw: _member_context(m, **kw),
                       done=lambda _m: url_for("discussion.admin_station", station_id=m.station_id),
                       message=_("已保存"))
