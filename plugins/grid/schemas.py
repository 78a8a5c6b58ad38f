"""Grid input schemas (marshmallow): messages in Chinese, unknown fields refused."""
from __future__ import annotations

import re
from datetime import timezone

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.api import AwareDateTime, Date, Id, Integer, Stripped, Text, clock, text

from .categories import STAFF_SOURCES, URGENCIES
from .geo import BadBoundary, parse_polygon
from .machine import CALLBACK_RESULTS, REJECT_REASONS, RETURN_REASONS, SUSPEND_REASONS

REQUIRED = {"required": _l("必填项"), "null": _l("必填项"), "invalid": _l("格式不正确")}


class Settings(Schema):
    min_ranking_sample = Integer(load_default=10, validate=validate.Range(min=1, max=1000),
                                        metadata={"label": "排名最小样本量", "inherit": True})
    reopen_window_days = Integer(load_default=15, validate=validate.Range(min=1, max=90),
                                        metadata={"label": "重新办理期限（天）", "inherit": True})
    public_reports = fields.Boolean(load_default=True, metadata={"label": "开放居民上报页面"})
    self_handle_sample_pct = Integer(load_default=10, validate=validate.Range(min=0, max=100),
                                            metadata={"label": "现场办结抽查比例（%）", "inherit": True})


class _NoGridIsNone:
    """"不确定网格" posts an empty grid_id: that means no grid, not a bad number. Likewise an empty
    point (the reporter gave none) and an empty device time. A point needs both coordinates, in range."""

    @pre_load
    def _empty_grid(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        empty = {k: None for k in ("grid_id", "lat", "lng", "device_captured_at")
                 if isinstance(data.get(k), str) and not data[k].strip()}
        return {**data, **empty} if empty else data

    @validates_schema
    def _both_coordinates(self, data, **_kw):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError(_l("请同时填写经度和纬度，或都不填"), "lat")


def _degrees(low: float, high: float, message) -> fields.Float:
    return fields.Float(load_default=None, allow_none=True, allow_nan=False,
                        error_messages={"invalid": message, "special": message},
                        validate=validate.Range(min=low, max=high, error=message))


LAT = _l("纬度应在 -90 到 90 之间")
LNG = _l("经度应在 -180 到 180 之间")


class EventIn(_NoGridIsNone, Schema):
    """Staff intake (phone, walk-in, patrol)."""

    title = text(100)
    description = text(2000, required=False, load_default="")
    category_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择类别")})
    urgency = Text(load_default="NORMAL", validate=validate.OneOf(tuple(URGENCIES), error=_l("请选择紧急程度")))
    source = Text(load_default="GRID_PATROL", validate=validate.OneOf(tuple(STAFF_SOURCES), error=_l("请选择来源")))
    grid_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择网格")})
    address = text(200, required=False, load_default="")
    reporter_name = text(64, required=False, load_default=None, allow_none=True)
    reporter_phone = Text(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^(|1\d{10})$", error=_l("手机号应为 11 位数字")))
    lat = _degrees(-90, 90, LAT)
    lng = _degrees(-180, 180, LNG)
    #: set by the browser when an offline draft is sent later: when the device captured the report
    device_captured_at = AwareDateTime(load_default=None, allow_none=True, default_timezone=timezone.utc,
                                       error_messages={"invalid": _l("草稿时间格式不正确")})

    @validates_schema
    def _place(self, data, **_kw):
        if not data.get("grid_id") and not data.get("address") and data.get("lat") is None:
            raise ValidationError(_l("请选择网格或填写地点"), "address")


class PublicReportIn(_NoGridIsNone, Schema):
    """A resident's report from the public page: no sign-in, a trap field for spam robots."""

    title = text(100)
    description = text(2000)
    category_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择类别")})
    grid_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择网格")})
    address = text(200)
    reporter_name = text(64, required=False, load_default=None, allow_none=True)
    reporter_phone = Text(required=True, error_messages=REQUIRED, validate=validate.Regexp(
        r"^1\d{10}$", error=_l("手机号应为 11 位数字，便于回访")))
    anonymity = Text(load_default="named", validate=validate.OneOf(("named", "handler_anon", "public_anon")))
    lat = _degrees(-90, 90, LAT)
    lng = _degrees(-180, 180, LNG)
    website = Text(load_default="")  # the trap: people never see it, robots fill it


def _action(*names, **extra) -> type[Schema]:
    spec = {
        "reason": text(500),
        "answer": text(1000),
        "result": text(1000),
        "reason_code": Text(required=True, error_messages=REQUIRED),
        "master_ref": Stripped(required=True, error_messages=REQUIRED, validate=validate.Length(min=1, max=32)),
        "handler_unit_id": Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择处置单位")}),
        "dispatch_error": fields.Boolean(load_default=False, truthy={"on", "1", "true"}),
        "closure_type": Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
            ("RESOLVED", "PARTLY_RESOLVED", "UNRESOLVABLE_EXPLAINED"), error=_l("请选择办理结果"))),
        "days": Integer(required=True, error_messages={**REQUIRED, "invalid": _l("请填写天数")},
                               validate=validate.Range(min=1, max=10, error=_l("延期 1–10 个工作日"))),
        "hours": Integer(required=True, error_messages={**REQUIRED, "invalid": _l("请填写小时数")},
                                validate=validate.Range(min=1, max=168, error=_l("持续 1–168 小时"))),
        "callback_result": Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
            tuple(CALLBACK_RESULTS), error=_l("请选择回访结果"))),
    }
    attrs = {n: spec[n] for n in names}
    attrs["version"] = Integer(required=True, error_messages=REQUIRED)
    attrs.update(extra)
    return Schema.from_dict(attrs)


def _codes(options):
    return Text(required=True, error_messages=REQUIRED,
                         validate=validate.OneOf(tuple(options), error=_l("请选择原因")))


ACTION_SCHEMAS = {
    "accept": _action(), "register": _action(), "verify": _action(), "sign": _action(), "check_pass": _action(),
    "resume": _action(),
    "answer": _action("answer"), "self_handle": _action("result"),
    "reject": _action("reason", reason_code=_codes(REJECT_REASONS)),
    "merge": _action("master_ref"),
    "unmerge": _action("reason"),
    "recheck_pass": _action(), "recheck_fail": _action("reason"),
    "dispatch": _action("handler_unit_id"),
    "return": _action("reason", reason_code=_codes(RETURN_REASONS)),
    "redispatch": _action("handler_unit_id", "dispatch_error"),
    "refuse_return": _action("reason"),
    "extend": _action("days", "reason"),
    "suspend": _action("reason", reason_code=_codes(SUSPEND_REASONS)),
    "submit_result": _action("result", "closure_type"),
    "check_fail": _action("reason"),
    "callback": _action("callback_result", reason=text(500, required=False, load_default=None, allow_none=True)),
    "reopen": _action("reason"),
    "callback_attempt": _action(reason=text(500, required=False, load_default=None, allow_none=True)),
    "escalate": _action("reason"),
    "declare_incident": _action("hours", "reason"),
    "cancel": _action("reason"),
}


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


# --- service-log sub-records and care visits ---------------------------------------------------

def _date(required: bool = True, message=_l("请填写日期")):
    """A date from an <input type="date">; an empty optional one means none."""
    errors = {"required": message, "null": message, "invalid": _l("日期格式不正确")}
    if required:
        return Date(required=True, error_messages=errors)
    return Date(load_default=None, allow_none=True, error_messages=errors)


class _BlankIsNone:
    """Inputs left empty post "": that means "not given" (the "required" message), not a bad value."""

    optional_blank: tuple[str, ...] = ()

    @pre_load
    def _blanks(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {k: (None if k in self.optional_blank and isinstance(v, str) and not v.strip() else v)
                for k, v in data.items()}


class ProxyIn(_BlankIsNone, Schema):
    """The extra fields of a 代办 log: what is handled, and any documents taken in."""

    optional_blank = ("proxy_docs_in_on",)
    items = text(1000, data_key="proxy_items")
    docs_in = text(500, required=False, load_default="", data_key="proxy_docs_in")
    docs_in_on = Date(load_default=None, allow_none=True, data_key="proxy_docs_in_on",
                             error_messages={"invalid": _l("日期格式不正确")})

    @validates_schema(skip_on_field_errors=False)
    def _dated(self, data, **_kw):
        if data.get("docs_in") and not data.get("docs_in_on"):
            raise ValidationError(_l("请填写收取材料的日期"), "proxy_docs_in_on")


class ProxyUpdateIn(_BlankIsNone, Schema):
    """Progress of a 代办: documents handed back and the resident's acknowledgement."""

    optional_blank = ("docs_out_on", "ack_name", "ack_method", "ack_at")
    version = Integer(required=True, error_messages=REQUIRED)
    status = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        ("in_progress", "done", "returned"), error=_l("请选择办理状态")))
    docs_out = text(500, required=False, load_default="")
    docs_out_on = _date(required=False)
    ack_name = text(64, required=False, load_default=None, allow_none=True)
    ack_method = Text(load_default=None, allow_none=True, validate=validate.OneOf(
        ("paper", "phone"), error=_l("请选择确认方式")))
    ack_at = AwareDateTime(load_default=None, allow_none=True, default_timezone=clock.SHANGHAI, format="%Y-%m-%dT%H:%M",
                           error_messages={"invalid": _l("时间格式不正确")})

    @validates_schema
    def _complete(self, data, **_kw):
        if data.get("docs_out") and not data.get("docs_out_on"):
            raise ValidationError(_l("请填写退还材料的日期"), "docs_out_on")
        if data["status"] != "in_progress" and not (data.get("ack_name") and data.get("ack_method")):
            raise ValidationError(_l("办结或退还须记录居民确认（姓名和确认方式）"), "ack_name")


class Parties(Text):
    """One party per line: 姓名 身份 [电话], separated by spaces or commas."""

    def __init__(self, **kwargs):
        super().__init__(lines=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parties = []
        for line in super()._deserialize(value, attr, data, **kwargs).splitlines():
            parts = [p for p in re.split(r"[\s,，、]+", line.strip()) if p]
            if not parts:
                continue
            if len(parts) not in (2, 3) or len(parts[0]) > 32 or len(parts[1]) > 20:
                raise ValidationError(_l("每行填写一位当事人：姓名 身份 电话（电话可不填）"))
            phone = parts[2] if len(parts) == 3 else None
            if phone is not None and not re.fullmatch(r"1\d{10}", phone):
                raise ValidationError(_l("手机号应为 11 位数字"))
            parties.append({"name": parts[0], "role": parts[1], "phone": phone})
        if len(parties) < 2:
            raise ValidationError(_l("调解至少有两位当事人"))
        if len(parties) > 20:
            raise ValidationError(_l("当事人最多 20 位"))
        return parties


class MediationIn(Schema):
    parties = Parties(required=True, error_messages=REQUIRED)


class MeetingIn(_BlankIsNone, Schema):
    optional_blank = ("held_on",)
    held_on = _date()
    place = text(100)
    mediators = text(200)
    outcome = text(1000)


class AgreementIn(_BlankIsNone, Schema):
    optional_blank = ("agreement_on",)
    version = Integer(required=True, error_messages=REQUIRED)
    agreement_text = text(2000)
    agreement_on = _date()


class FollowUpIn(_BlankIsNone, Schema):
    optional_blank = ("held_on",)
    version = Integer(required=True, error_messages=REQUIRED)
    follow_up_day = Integer(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        (7, 30), error=_l("请选择回访节点")))
    held_on = _date()
    outcome = text(1000)


class HandoffIn(_BlankIsNone, Schema):
    optional_blank = ("handoff_on",)
    version = Integer(required=True, error_messages=REQUIRED)
    handoff_on = _date()
    handoff_reason = text(500)


class VisitPlanIn(_BlankIsNone, Schema):
    optional_blank = ("next_due", "household_id", "cadence_days")
    #: the grid select only narrows the household list; the plan's grid is the household's own
    grid_id = Text(load_default="")
    household_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择户")})
    care_type = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        ("alone_elderly", "disabled", "hardship", "other"), error=_l("请选择关爱类型")))
    cadence_days = Integer(required=True, error_messages={**REQUIRED, "invalid": _l("请填写整数")},
                                  validate=validate.Range(min=1, max=365, error=_l("走访周期应在 1 到 365 天之间")))
    next_due = _date()
    note = text(200, required=False, load_default="")


class ViewReasonIn(Schema):
    """Why the sensitive care list is opened; the code goes into the audit log."""

    reason = Text(required=True, error_messages={"required": _l("请选择查看原因"), "null": _l("请选择查看原因")},
                           validate=validate.OneOf(("visit", "help", "supervision", "verify"), error=_l("请选择查看原因")))


class SummonIn(Schema):
    """吹哨: units of the street chosen from lists, outside departments typed in (one per line or 、)."""

    unit_ids = fields.List(Id(error_messages={"invalid": _l("请选择单位")}), load_default=list)
    resident_unit_ids = fields.List(Id(error_messages={"invalid": _l("请选择单位")}), load_default=list)
    departments = Text(lines=True, load_default="", validate=validate.Length(max=300, error=_l("最多 {max} 个字符")))
    mandatory = fields.Boolean(load_default=False, truthy={"on", "1", "true"}, falsy={"", "0", "false", "off"})
    reason = text(500)
    version = Integer(required=True, error_messages=REQUIRED)

    @validates_schema(skip_on_field_errors=False)
    def _someone(self, data, **_kw):
        names = split_departments(data.get("departments", ""))
        if any(len(n) > 64 for n in names):
            raise ValidationError(_l("每个部门名称最多 64 个字符"), "departments")
        if not (data.get("unit_ids") or data.get("resident_unit_ids") or names):
            raise ValidationError(_l("请至少选择一个单位或填写一个部门"), "unit_ids")


def split_departments(value: str) -> list[str]:
    """"派出所、城管\n市场监管所" → three names, each once, in order."""
    seen: list[str] = []
    for name in re.split(r"[、,，;；\n]+", value or ""):
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    return seen


class RespondIn(Schema):
    response = text(1000)


class ShareIn(Schema):
    department = text(64)
    reason = text(500)
    version = Integer(required=True, error_messages=REQUIRED)


class WithdrawIn(Schema):
    reason = text(500)


class RootCauseIn(Schema):
    root_cause = text(1000)
    version = Integer(required=True, error_messages=REQUIRED)


class SubscribeIn(Schema):
    """A caller follows an event in progress instead of reporting it again: who to call back."""

    reporter_name = text(64, required=False, load_default=None, allow_none=True)
    reporter_phone = Text(required=True, error_messages={"required": _l("请填写反映人电话，回访时联系"),
                                                                  "null": _l("请填写反映人电话，回访时联系")},
                                   validate=validate.Regexp(r"^1\d{10}$", error=_l("手机号应为 11 位数字")))

    @pre_load
    def _blank_is_missing(self, data, **_kw):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


class DutyIn(Schema):
    """One person on one unit's shift on one day."""

    org_unit_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择单位")})
    duty_date = Date(required=True, error_messages={"required": _l("请填写日期"), "null": _l("请填写日期"),
                                                           "invalid": _l("日期格式不正确")})
    shift = Text(required=True, error_messages=REQUIRED,
                          validate=validate.OneOf(("day", "night"), error=_l("请选择班次")))
    person_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择人员")})
