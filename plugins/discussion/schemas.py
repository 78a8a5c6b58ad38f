"""Discussion input schemas (marshmallow): messages in Chinese, unknown fields refused."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import pre_load, Schema, ValidationError, fields, validate, validates_schema

from core.api import Date, Id, Integer, Text, text

REQUIRED = {"required": _l("必填项"), "null": _l("必填项"), "invalid": _l("格式不正确")}
KINDS = {"demand": _l("需求"), "resource": _l("资源"), "project": _l("项目")}
CATEGORIES = ("共建深化", "协商议事", "贴心服务", "志愿爱心", "文化繁荣", "净化整治")
METHODS = {"show_hands": _l("举手表决"), "ballot": _l("无记名投票"), "consensus": _l("协商一致")}


def _positive(label):
    return Integer(required=True, error_messages=REQUIRED,
                   validate=validate.Range(min=1, max=100000, error=_l("请填写 1–100000 之间的整数")),
                   metadata={"label": label})


class Settings(Schema):
    display_name = text(60, required=False, load_default="“谢家集先锋”党群议事站",
                        metadata={"label": "议事站名称", "inherit": True})
    claim_lapse_days = Integer(load_default=14, validate=validate.Range(min=1, max=90),
                               metadata={"label": "认领待确认期限（天）", "inherit": True})


class ItemIn(Schema):
    kind = Text(required=True, validate=validate.OneOf(list(KINDS), error=_l("请选择清单")),
                         error_messages=REQUIRED)
    title = text(100)
    body = text(2000, required=False, load_default="")
    category = Text(load_default="共建深化", validate=validate.OneOf(CATEGORIES, error=_l("请选择类别")))
    quantity = _positive("数量")
    unit_of_measure = text(12, required=False, load_default="项")
    location = text(100, required=False, load_default="")
    owner_unit_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择单位")})


class ClaimIn(Schema):
    quantity = _positive("认领数量")
    unit_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择认领单位")})
    plan = text(1000, required=False, load_default="")


class ReasonIn(Schema):
    reason = text(200)


class CommitIn(Schema):
    plan = text(1000)
    committed_on = Date(required=True, error_messages=REQUIRED)


class EvidenceIn(Schema):
    evidence = text(500)


class MatterIn(Schema):
    title = text(100)
    body = text(2000)
    on_behalf_name = text(64, required=False, load_default="")
    on_behalf_reason = text(200, required=False, load_default="")

    @validates_schema
    def _reason_with_name(self, data, **_kw):
        if data.get("on_behalf_name") and not data.get("on_behalf_reason"):
            raise ValidationError(_l("代居民提出议题须写明原因"), "on_behalf_reason")


class EditIn(Schema):
    title = text(100)
    body = text(2000)
    version = Integer(required=True, error_messages=REQUIRED)


class ScreenIn(Schema):
    result = Text(required=True, validate=validate.OneOf(("admit", "not_admit"), error=_l("请选择")),
                           error_messages=REQUIRED)
    reason = text(200, required=False, load_default="")

    @validates_schema
    def _public_reason(self, data, **_kw):
        if data.get("result") == "not_admit" and not data.get("reason"):
            raise ValidationError(_l("不予受理须写明公开理由"), "reason")


class MeetingIn(Schema):
    starts_on = Date(required=True, error_messages=REQUIRED)
    location = text(100)


class VoteIn(Schema):
    method = Text(required=True, validate=validate.OneOf(list(METHODS), error=_l("请选择表决方式")),
                           error_messages=REQUIRED)
    votes_for = Integer(load_default=0, validate=validate.Range(min=0, max=1000, error=_l("票数不能为负")))
    votes_against = Integer(load_default=0, validate=validate.Range(min=0, max=1000, error=_l("票数不能为负")))
    abstain = Integer(load_default=0, validate=validate.Range(min=0, max=1000, error=_l("票数不能为负")))
    recused = fields.List(Id(), load_default=list)
    outcome = Text(load_default="", validate=validate.OneOf(("", "deferred", "conditional"),
                                                                     error=_l("请选择")))
    text = text(1000, required=False, load_default="")

    @pre_load
    def _checked_boxes(self, data, **_kw):
        """回避 is a row of checkboxes: every ticked one, not only the first."""
        from flask import has_request_context, request
        if has_request_context() and "recused" in request.form:
            data = {**data, "recused": request.form.getlist("recused")}
        return data


class ObjectionIn(Schema):
    text = text(1000)


class AnswerIn(Schema):
    answer = text(1000)
    state = Text(required=True, validate=validate.OneOf(("answered", "upheld", "dismissed"),
                                                                 error=_l("请选择")), error_messages=REQUIRED)


class ProgressIn(Schema):
    progress = Integer(required=True, error_messages=REQUIRED,
                       validate=validate.Range(min=0, max=100, error=_l("进度应在 0–100 之间")))
