"""Forms about grids: staffing, service logs, patrols, emergency mode, category limits, boundaries, duty."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from core.api import AwareDateTime, Date, Id, Integer, Text, clock, text

from ..geo import BadBoundary, parse_polygon
from ..models import BURDEN_RULES
from .base import REQUIRED


class AssignIn(Schema):
    person_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择人员")})
    role = Text(required=True, error_messages=REQUIRED)
    agency = Text(load_default=None, allow_none=True, validate=validate.Length(max=32))
    handover = fields.Boolean(load_default=False, truthy={"on", "1", "true"})


class ServiceLogIn(Schema):
    """One act of service; the household is optional ("" when none is chosen)."""

    @pre_load
    def _no_household(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {**data, "household_id": data.get("household_id") or None}

    service_type = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        ("POLICY", "INFO", "OPINION", "PROXY", "ORDER", "MEDIATION", "URBAN", "SUPERVISE"), error=_l("请选择服务内容")))
    form = Text(load_default="home_visit", validate=validate.OneOf(
        ("home_visit", "phone", "online", "desk", "patrol", "meeting"), error=_l("请选择服务方式")))
    summary = text(1000)
    household_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择户")})


class PatrolIn(Schema):
    """Times from datetime-local inputs, which carry Beijing time without a zone."""

    started_at = AwareDateTime(required=True, default_timezone=clock.SHANGHAI, format="%Y-%m-%dT%H:%M",
                               error_messages={**REQUIRED, "invalid": _l("请填写开始时间")})
    ended_at = AwareDateTime(required=True, default_timezone=clock.SHANGHAI, format="%Y-%m-%dT%H:%M",
                             error_messages={**REQUIRED, "invalid": _l("请填写结束时间")})
    findings = text(2000, required=False, load_default="")
    route = text(2000, required=False, load_default=None, allow_none=True)


class EmergencyIn(Schema):
    task_name = text(100)
    reason = text(1000)
    days = Integer(required=True, error_messages={**REQUIRED, "invalid": _l("请填写天数")})
    grid_ids = fields.List(Id(), required=True, error_messages={**REQUIRED, "invalid": _l("请选择网格")})


class LimitIn(Schema):
    """A category's handling limit (also a proposed one in the what-if replay)."""

    limit_value = Integer(required=True, error_messages={**REQUIRED, "invalid": _l("请填写整数")},
                                 validate=validate.Range(min=1, max=365, error=_l("时限应在 1 到 365 之间")))
    limit_unit = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        ("minute", "hour", "working_hour", "working_day", "day"), error=_l("请选择时限单位")))


class CategoryIn(LimitIn):
    grid_solvable = fields.Boolean(load_default=False, truthy={"on", "1", "true"})
    self_handle_allowed = fields.Boolean(load_default=False, truthy={"on", "1", "true"})
    active = fields.Boolean(load_default=False, truthy={"on", "1", "true"})


class Boundary(fields.Field):
    """A GeoJSON Polygon typed or pasted into a text box; the message says what is wrong with it."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            raise ValidationError(str(_l("必填项")))
        try:
            return parse_polygon(value)
        except BadBoundary as err:
            raise ValidationError(str(err)) from err


def _households():
    return Integer(load_default=None, allow_none=True, error_messages={"invalid": _l("请填写整数")},
                          validate=validate.Range(min=0, max=100000, error=_l("户数应在 0 到 100000 之间")))


class _Redraw(Schema):
    """Empty numbers mean "not given": the household count is then counted from the core tree."""

    @pre_load
    def _empty_numbers(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {k: (None if isinstance(v, str) and not v.strip() and k != "reason" else v) for k, v in data.items()}


class BoundaryIn(_Redraw):
    boundary = Boundary(required=True, error_messages=REQUIRED)
    households_est = _households()
    reason = text(500)
    based_on = Integer(required=True, error_messages=REQUIRED)


class SplitIn(BoundaryIn):
    new_name = text(100)
    new_boundary = Boundary(required=True, error_messages=REQUIRED)
    new_households_est = _households()
    building_ids = fields.List(Id(), load_default=list)


class MergeIn(BoundaryIn):
    other_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择要并入的网格")})


class DutyIn(Schema):
    """One person on one unit's shift on one day."""

    org_unit_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择单位")})
    duty_date = Date(required=True, error_messages={"required": _l("请填写日期"), "null": _l("请填写日期"),
                                                           "invalid": _l("日期格式不正确")})
    shift = Text(required=True, error_messages=REQUIRED,
                          validate=validate.OneOf(("day", "night"), error=_l("请选择班次")))
    person_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择人员")})
    #: the person's sign-in account, to be alerted of CRITICAL events during the shift (optional)
    account_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择本单位的账号")})

    @pre_load
    def _no_account(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {**data, "account_id": None} if not str(data.get("account_id") or "").strip() else data


class BurdenIn(Schema):
    """投诉建议: which 减负 rule is being broken, where, and what happens (docs/grid.md §10)."""

    rule = Text(required=True, error_messages={**REQUIRED, "required": _l("请选择违反的减负规定")},
                validate=validate.OneOf(tuple(BURDEN_RULES), error=_l("请选择违反的减负规定")))
    body = text(2000)
    org_unit_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择社区或网格")})
    anonymous = fields.Boolean(load_default=False, truthy={"on", "1", "true"}, falsy={"", "0", "false", "off"})

    @pre_load
    def _nowhere(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {**data, "org_unit_id": None} if not str(data.get("org_unit_id") or "").strip() else data


class BurdenAnswerIn(Schema):
    answer = text(2000)
