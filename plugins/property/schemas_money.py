"""Input schemas of the subsidy ledger, the assessment and the joint meetings (marshmallow, Chinese messages)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.api import AwareDateTime, Date, Id, Integer, Text, clock, text

from .models.meetings import ACTION_KINDS
from .models.subsidy import BASES

REQUIRED = {"required": _l("必填项"), "null": _l("必填项"), "invalid": _l("格式不正确")}
SUBSIDY_MODES_FIELD = text(60, required=False, load_default="",
                           metadata={"label": "兜底补贴另适用的服务方式（以奖代补，逗号分隔，如 professional）",
                                     "inherit": True})
MEETING_PARTIES_FIELD = text(300, required=False, load_default="",
                             metadata={"label": "四方联席会议参会方（代码:名称，逗号分隔；留空用默认四方）",
                                       "inherit": True})


def _yuan_to_fen(value: str) -> int:
    from decimal import Decimal, InvalidOperation
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError(_l("请填写金额（元），最多两位小数")) from None
    if d != d.quantize(Decimal("0.01")) or d < 0 or d > Decimal("100000000"):
        raise ValidationError(_l("请填写金额（元），最多两位小数"))
    return int(d * 100)


class Yuan(fields.Field):
    """An amount typed in yuan (¥152,000.00), loaded as integer fen."""

    def _deserialize(self, value, attr, data, **kwargs):
        return _yuan_to_fen(value)


class StandardIn(Schema):
    mode = Text(load_default="fallback", validate=validate.OneOf(["fallback", "professional", "self_governed"],
                                                                 error=_l("请选择服务方式")))
    provider_kind = Text(load_default="", validate=validate.OneOf(
        ["", "soe_fallback", "public_welfare", "community_quasi", "market"], error=_l("请选择企业类型")))
    basis = Text(required=True, error_messages=REQUIRED,
                 validate=validate.OneOf(list(BASES), error=_l("请选择计费方式")))
    rate = Yuan(required=True, error_messages=REQUIRED, data_key="rate")
    effective_from = Date(required=True, error_messages=REQUIRED)
    note = text(200, required=False, load_default="")


class BudgetIn(Schema):
    month = Text(required=True, error_messages=REQUIRED,
                 validate=validate.Regexp(r"^\d{4}-\d{2}$", error=_l("月份格式为 YYYY-MM")))
    amount = Yuan(required=True, error_messages=REQUIRED)
    reason = text(200, required=False, load_default="")


class MonthIn(Schema):
    month = Text(required=True, error_messages=REQUIRED,
                 validate=validate.Regexp(r"^\d{4}-\d{2}$", error=_l("月份格式为 YYYY-MM")))


class ReasonIn(Schema):
    reason = text(200)


class NoteIn(Schema):
    note = text(200, required=False, load_default="")


class VoucherIn(Schema):
    voucher_no = text(40)


class StartIn(Schema):
    compound_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择小区")})
    provider_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择物业企业")})
    month = Text(required=True, error_messages=REQUIRED,
                 validate=validate.Regexp(r"^\d{4}-\d{2}$", error=_l("月份格式为 YYYY-MM")))


class ScoreIn(Schema):
    code = text(8)
    score = Text(required=True, error_messages=REQUIRED,
                 validate=validate.Regexp(r"^\d{1,3}(\.\d{1,2})?$", error=_l("得分须为数字，最多两位小数")))
    note = text(200, required=False, load_default="")
    photo = text(200, required=False, load_default="")


class MeetingIn(Schema):
    """``compound_ids`` (several checkboxes) are read by the view from the form's list."""

    class Meta:
        unknown = EXCLUDE

    community_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择社区")})
    scheduled_at = AwareDateTime(required=True, default_timezone=clock.SHANGHAI, format="%Y-%m-%dT%H:%M",
                                 error_messages=REQUIRED)
    location = text(100, required=False, load_default="")
    topic = text(100, required=False, load_default="")
    agenda = text(2000, required=False, load_default="")


class RecordIn(Schema):
    """Minutes; the parties present (checkboxes ``present``) and their names (``name_<role>``) are read
    by the view from the form's lists."""

    class Meta:
        unknown = EXCLUDE

    minutes = text(10000, required=False, load_default="")


class ActionIn(Schema):
    kind = Text(required=True, error_messages=REQUIRED,
                validate=validate.OneOf(list(ACTION_KINDS), error=_l("请选择事项类型")))
    owner = text(64, required=False, load_default="")
    due_on = Date(load_default=None, allow_none=True, error_messages=REQUIRED)
    text = text(500)  # last: the name shadows the helper inside this class

    @pre_load
    def _blank(self, data, **kw):
        data = dict(data)
        if not data.get("due_on"):
            data.pop("due_on", None)
        return data


class CloseIn(Schema):
    result = text(200)
    state = Text(load_default="done", validate=validate.OneOf(["done", "dropped"], error=_l("状态不正确")))


__all__ = ["StandardIn", "BudgetIn", "MonthIn", "ReasonIn", "NoteIn", "VoucherIn", "StartIn", "ScoreIn",
           "MeetingIn", "RecordIn", "ActionIn", "CloseIn", "ValidationError", "validates_schema", "Integer"]
