"""Forms about one event: reporting (staff and public), each action's fields, summons, shares, root cause, subscriptions."""
from __future__ import annotations

import re
from datetime import timezone

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.api import AwareDateTime, Id, Integer, Stripped, Text, text

from ..categories import STAFF_SOURCES, URGENCIES
from ..machine import CALLBACK_RESULTS, REJECT_REASONS, RETURN_REASONS, SUSPEND_REASONS
from .base import LAT, LNG, REQUIRED, NoGridIsNone, degrees


class EventIn(NoGridIsNone, Schema):
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
    lat = degrees(-90, 90, LAT)
    lng = degrees(-180, 180, LNG)
    #: set by the browser when an offline draft is sent later: when the device captured the report
    device_captured_at = AwareDateTime(load_default=None, allow_none=True, default_timezone=timezone.utc,
                                       error_messages={"invalid": _l("草稿时间格式不正确")})

    @validates_schema
    def _place(self, data, **_kw):
        if not data.get("grid_id") and not data.get("address") and data.get("lat") is None:
            raise ValidationError(_l("请选择网格或填写地点"), "address")


class PublicReportIn(NoGridIsNone, Schema):
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
    lat = degrees(-90, 90, LAT)
    lng = degrees(-180, 180, LNG)
    website = Text(load_default="")  # the trap: people never see it, robots fill it


class TrackIn(Schema):
    """A report's progress asked for by its 受理编号 and the last four digits of the reporter's phone."""

    ref_no = Stripped(required=True, error_messages=REQUIRED, validate=validate.Length(min=1, max=32))
    phone_tail = Text(required=True, error_messages=REQUIRED, validate=validate.Regexp(
        r"^\d{4}$", error=_l("请填写手机号的后 4 位数字")))


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
        "category_id": Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择类别")}),
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
    "request_extension": _action("days", "reason"),
    "refuse_extension": _action("reason"),
    "recategorise": _action("category_id", "reason"),
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
