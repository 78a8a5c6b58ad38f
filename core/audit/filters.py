"""The audit page's filters: who (a person, or everyone working in a unit), which module, which days.

Validated like any form: a filter no one could have chosen answers 422 with the reason, never a
silently empty list.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, validate, validates_schema
from sqlalchemy import not_, or_, select

from .. import clock
from ..db import db
from ..fields import Date, Id, Stripped
from ..tenancy.context import current
from .labels import CORE_MODULE
from .models import AuditLog

#: the query-string names of the filters (``from`` is a keyword in Python, hence ``data_key``)
FILTERS = ("actor", "unit", "module", "action", "from", "to")
MAX_DAYS = 366


class AuditFilterIn(Schema):
    actor = Id(load_default=None, error_messages={"invalid": _l("请选择操作人")})
    unit = Id(load_default=None, error_messages={"invalid": _l("请选择单位")})
    module = Stripped(load_default=None)
    action = Stripped(load_default=None, validate=validate.Regexp(
        r"^[A-Za-z0-9_.]{1,64}$", error=_l("操作代码只能包含字母、数字、下划线和点")))
    day_from = Date(data_key="from", load_default=None)
    day_to = Date(data_key="to", load_default=None)

    def __init__(self, modules=(), members=(), **kw):
        super().__init__(**kw)
        self.modules, self.members = frozenset(modules), frozenset(members)

    @validates_schema
    def _choices(self, data, **_kw):
        errors = {}
        if data.get("module") is not None and data["module"] not in self.modules:
            errors["module"] = [_l("请选择模块")]
        if data.get("actor") is not None and data["actor"] not in self.members:
            errors["actor"] = [_l("请选择操作人")]
        start, end = data.get("day_from"), data.get("day_to")
        if start and end and end < start:
            errors["to"] = [_l("结束日期不能早于开始日期")]
        elif start and end and (end - start).days >= MAX_DAYS:
            errors["to"] = [_l("一次最多查看一年")]
        if errors:
            raise ValidationError(errors)


def load(args, modules, members) -> dict:
    """The filters from the query string (empty ones dropped); ``ValidationError`` when one is wrong."""
    raw = {k: args.get(k, "").strip() for k in FILTERS if args.get(k, "").strip()}
    data = AuditFilterIn(modules, members).load(raw)
    if data.get("unit") is not None:
        from ..org.models import OrgUnit
        unit = db.session.scalars(select(OrgUnit).where(OrgUnit.id == data["unit"],
                                                        OrgUnit.tenant_id == current().active)).first()
        if unit is None:
            raise ValidationError({"unit": [str(_l("请选择单位"))]})
        data["unit_path"] = unit.path
    return data


def _day_start(day: date) -> datetime:
    """The start of a Beijing day, in UTC as stored."""
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())


def apply(stmt, data: dict, plugins):
    """``stmt`` (on ``AuditLog``) narrowed by the loaded filters."""
    from ..auth.models import RoleGrant
    from ..org.models import OrgUnit
    if data.get("actor") is not None:
        stmt = stmt.where(AuditLog.actor_id == data["actor"])
    if data.get("unit_path"):
        under = select(OrgUnit.id).where(OrgUnit.tenant_id == current().active, OrgUnit.path.startswith(data["unit_path"]))
        stmt = stmt.where(AuditLog.actor_id.in_(select(RoleGrant.user_id).where(
            RoleGrant.tenant_id == current().active, RoleGrant.org_unit_id.in_(under))))
    module = data.get("module")
    if module == CORE_MODULE:
        others = [AuditLog.action.startswith(f"{name}.") for name in plugins]
        stmt = stmt.where(not_(or_(*others))) if others else stmt
    elif module:
        stmt = stmt.where(AuditLog.action.startswith(f"{module}."))
    if data.get("action"):
        stmt = stmt.where(AuditLog.action.startswith(data["action"]))
    if data.get("day_from"):
        stmt = stmt.where(AuditLog.at >= _day_start(data["day_from"]))
    if data.get("day_to"):
        stmt = stmt.where(AuditLog.at < _day_start(data["day_to"] + timedelta(days=1)))
    return stmt


__all__ = ["AuditFilterIn", "FILTERS", "apply", "load"]
