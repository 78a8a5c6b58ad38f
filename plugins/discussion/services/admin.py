"""Administration: stations and their settings, members with effective dates (history kept), co-building
units extending core's resident units, covenants with their terms. Every write asks first whether this user
may do it at the object's own unit."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import db, Refused, ResidentUnit

from ..models import Covenant, Member, Station, Unit
from . import lists as list_svc

STATION_FIELDS = ("level", "display_name", "quorum_min", "pass_rule", "publicity_days", "decision_publicity",
                  "support_freeze_n", "min_meetings_per_quarter", "status")
MEMBER_FIELDS = ("name", "role", "voting", "unit_id", "valid_from", "valid_to")


def root_unit():
    """The street's own unit (the root of the tenant's tree)."""
    from core.api import OrgUnit
    return db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))


def _may(permission: str, unit) -> None:
    if unit is None or not api.can(permission, unit):
        raise Refused(_("您没有在该组织办理此事的权限"))


def create_station(data: dict) -> Station:
    unit = api.org_unit(data["org_unit_id"])
    if unit is None:
        raise Refused(_("请选择所属组织"))
    _may("discussion.unit.manage", unit)
    if db.session.scalar(select(Station.id).where(Station.org_unit_id == unit.id)) is not None:
        raise Refused(_("%(u)s 已有议事站", u=unit.name))
    station = Station(org_unit_id=unit.id, **{k: data[k] for k in STATION_FIELDS})
    db.session.add(station)
    db.session.flush()
    api.audit.record("discussion.station.create", "discussion_station", station.id)
    return station


def update_station(station: Station, data: dict) -> Station:
    list_svc.require("discussion.unit.manage", station)
    if data["org_unit_id"] != station.org_unit_id:
        raise Refused(_("议事站的所属组织不能更改"))
    for k in STATION_FIELDS:
        setattr(station, k, data[k])
    api.audit.record("discussion.station.update", "discussion_station", station.id)
    db.session.flush()
    return station


def _unit_ok(data: dict) -> None:
    if data.get("unit_id") is not None and db.session.get(Unit, data["unit_id"]) is None:
        raise Refused(_("请选择单位"))


def add_member(station: Station, data: dict) -> Member:
    list_svc.require("discussion.meeting.manage", station)
    _unit_ok(data)
    member = Member(station_id=station.id, **{k: data.get(k) for k in MEMBER_FIELDS})
    db.session.add(member)
    db.session.flush()
    return member


def update_member(member: Member, data: dict) -> Member:
    """Changing a member's role or vote starts a new term: the old row ends the day before, history is kept."""
    station = db.session.get(Station, member.station_id)
    list_svc.require("discussion.meeting.manage", station)
    _unit_ok(data)
    if (data["role"], data["voting"]) != (member.role, member.voting) and member.valid_from \
            and data["valid_from"] > member.valid_from:
        from datetime import timedelta
        member.valid_to = data["valid_from"] - timedelta(days=1)
        return add_member(station, {**data, "name": member.name if not data.get("name") else data["name"]})
    for k in MEMBER_FIELDS:
        setattr(member, k, data.get(k))
    db.session.flush()
    return member


def unit_scope(unit: Unit):
    """The org unit a co-building unit answers to: its core resident unit's place, else the street."""
    ru = db.session.get(ResidentUnit, unit.resident_unit_id) if unit.resident_unit_id else None
    return api.org_unit(ru.org_unit_id) if ru is not None and ru.org_unit_id else root_unit()


def _resident_unit(data: dict):
    if data.get("resident_unit_id") is None:
        return None
    ru = db.session.get(ResidentUnit, data["resident_unit_id"])
    if ru is None:
        raise Refused(_("请选择驻区单位"))
    return ru


def _uscc_free(uscc: str, unit_id: int | None) -> None:
    other = db.session.scalar(select(Unit.id).where(Unit.uscc == uscc))
    if other is not None and other != unit_id:
        raise Refused(_("统一社会信用代码 %(c)s 已登记", c=uscc))


def save_unit(unit: Unit | None, data: dict) -> Unit:
    ru = _resident_unit(data)
    creating = unit is None
    if not creating:  # may change it where it is now, and (below) where it goes
        _may("discussion.unit.manage", unit_scope(unit))
    unit = unit or Unit(name=data["name"], uscc=data["uscc"])
    _uscc_free(data["uscc"], unit.id)
    if ru is not None and ru.uscc and ru.uscc != data["uscc"]:
        raise Refused(_("统一社会信用代码与所选驻区单位登记的不一致"))
    unit.resident_unit_id = ru.id if ru else None
    _may("discussion.unit.manage", unit_scope(unit))
    for k in ("name", "uscc", "type", "party_org_name"):
        setattr(unit, k, data.get(k) or None if k == "party_org_name" else data[k])
    unit.contact_enc = data.get("contact") or None
    if not creating and data["status"] == "inactive" and unit.status == "active":
        list_svc.deactivate_unit(unit)
    unit.status = data["status"]
    if creating:
        db.session.add(unit)
    db.session.flush()
    api.audit.record("discussion.unit.create" if creating else "discussion.unit.update", "discussion_unit", unit.id)
    return unit


def _communities(ids: list[int]) -> list[int]:
    units = [api.org_unit(i) for i in ids]
    if any(u is None for u in units):
        raise Refused(_("请选择社区"))
    return sorted({u.id for u in units})


def save_covenant(unit: Unit, covenant: Covenant | None, data: dict) -> Covenant:
    _may("discussion.unit.manage", unit_scope(unit))
    covenant = covenant or Covenant(unit_id=unit.id)
    covenant.org_unit_ids = _communities(data["org_unit_ids"])
    if covenant.term_end != data["term_end"]:
        covenant.alerted_on = None  # a new term end is alerted afresh
    covenant.term_start, covenant.term_end = data["term_start"], data["term_end"]
    covenant.commitments, covenant.signed_at = data["commitments"], data.get("signed_at")
    if covenant.id is None:
        db.session.add(covenant)
    db.session.flush()
    return covenant
