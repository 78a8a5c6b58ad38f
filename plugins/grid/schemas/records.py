"""Forms of the service records: proxy services, mediation and its steps, care visits."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, validate, validates_schema

from core.api import AwareDateTime, Date, Id, Integer, Text, clock, text

from .base import REQUIRED, BlankIsNone, date_field


class ProxyIn(BlankIsNone, Schema):
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


class ProxyUpdateIn(BlankIsNone, Schema):
    """Progress of a 代办: documents handed back and the resident's acknowledgement."""

    optional_blank = ("docs_out_on", "ack_name", "ack_method", "ack_at")
    version = Integer(required=True, error_messages=REQUIRED)
    status = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        ("in_progress", "done", "returned"), error=_l("请选择办理状态")))
    docs_out = text(500, required=False, load_default="")
    docs_out_on = date_field(required=False)
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


class MeetingIn(BlankIsNone, Schema):
    optional_blank = ("held_on",)
    held_on = date_field()
    place = text(100)
    mediators = text(200)
    outcome = text(1000)


class AgreementIn(BlankIsNone, Schema):
    optional_blank = ("agreement_on",)
    version = Integer(required=True, error_messages=REQUIRED)
    agreement_text = text(2000)
    agreement_on = date_field()


class FollowUpIn(BlankIsNone, Schema):
    optional_blank = ("held_on",)
    version = Integer(required=True, error_messages=REQUIRED)
    follow_up_day = Integer(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        (7, 30), error=_l("请选择回访节点")))
    held_on = date_field()
    outcome = text(1000)


class HandoffIn(BlankIsNone, Schema):
    optional_blank = ("handoff_on",)
    version = Integer(required=True, error_messages=REQUIRED)
    handoff_on = date_field()
    handoff_reason = text(500)


class VisitPlanIn(BlankIsNone, Schema):
    optional_blank = ("next_due", "household_id", "cadence_days")
    #: the grid select only narrows the household list; the plan's grid is the household's own
    grid_id = Text(load_default="")
    household_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择户")})
    care_type = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(
        ("alone_elderly", "disabled", "hardship", "other"), error=_l("请选择关爱类型")))
    cadence_days = Integer(required=True, error_messages={**REQUIRED, "invalid": _l("请填写整数")},
                                  validate=validate.Range(min=1, max=365, error=_l("走访周期应在 1 到 365 天之间")))
    next_due = date_field()
    note = text(200, required=False, load_default="")


class ViewReasonIn(Schema):
    """Why the sensitive care list is opened; the code goes into the audit log."""

    reason = Text(required=True, error_messages={"required": _l("请选择查看原因"), "null": _l("请选择查看原因")},
                           validate=validate.OneOf(("visit", "help", "supervision", "verify"), error=_l("请选择查看原因")))
