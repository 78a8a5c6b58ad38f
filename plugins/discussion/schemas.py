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
    covenant_alert_days = Integer(load_default=30, validate=validate.Range(min=1, max=180),
                                  metadata={"label": "共建协议到期提前提醒（天）", "inherit": True})


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
    proxy_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("代办记录不存在")})

    @pre_load
    def _blank_proxy(self, data, **_kw):
        return {k: v for k, v in data.items() if not (k == "proxy_id" and v == "")}


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


# --- administration: stations, members, co-building units, covenants -------------------------------------------

LEVELS = {"street": _l("街道大工委"), "community": _l("社区大党委")}
PASS_RULES = {"majority_of_present": _l("到会表决成员过半数"), "majority_of_cast": _l("投票数过半数"),
              "two_thirds_of_present": _l("到会表决成员三分之二")}
ROLES = {"chair": _l("主持人"), "member": _l("委员"), "unit_rep": _l("驻区单位代表"), "resident_rep": _l("居民代表"),
         "mass_org_rep": _l("工青妇代表"), "observer": _l("列席")}
UNIT_TYPES = ("党政机关", "国企", "企业", "学校", "医院", "社会组织", "其他")
STATUSES = {"active": _l("有效"), "inactive": _l("停用")}
USCC = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def _checkbox(**kw):
    return fields.Boolean(load_default=False, truthy={"on", "1", "true", "y"}, falsy={"", "0", "false", "n"}, **kw)


def _range(lo, hi, label):
    return Integer(required=True, error_messages=REQUIRED, metadata={"label": label},
                   validate=validate.Range(min=lo, max=hi, error=_l("请填写 %(lo)s–%(hi)s 之间的整数", lo=lo, hi=hi)))


class StationIn(Schema):
    org_unit_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择所属组织")})
    level = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(list(LEVELS), error=_l("请选择层级")))
    display_name = text(100)
    quorum_min = _range(1, 50, "最低法定人数")
    pass_rule = Text(required=True, error_messages=REQUIRED,
                     validate=validate.OneOf(list(PASS_RULES), error=_l("请选择表决规则")))
    publicity_days = _range(1, 30, "公示天数")
    decision_publicity = _checkbox()
    support_freeze_n = _range(0, 1000, "附议冻结人数")
    min_meetings_per_quarter = _range(1, 12, "每季度至少联席会议次数")
    status = Text(load_default="active", validate=validate.OneOf(list(STATUSES), error=_l("请选择状态")))


def _dates_in_order(data, start, end, message):
    if data.get(start) and data.get(end) and data[end] < data[start]:
        raise ValidationError(message, end)


class MemberIn(Schema):
    name = text(64)
    role = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(list(ROLES), error=_l("请选择角色")))
    voting = _checkbox()
    unit_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择单位")})
    valid_from = Date(required=True, error_messages=REQUIRED)
    valid_to = Date(load_default=None, allow_none=True, error_messages={"invalid": _l("格式不正确")})

    @pre_load
    def _blanks(self, data, **_kw):
        return {k: v for k, v in data.items() if not (k in ("unit_id", "valid_to") and v == "")}

    @validates_schema
    def _order(self, data, **_kw):
        _dates_in_order(data, "valid_from", "valid_to", _l("离任日期不能早于任职日期"))


class UnitIn(Schema):
    resident_unit_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择驻区单位")})
    name = text(100)
    uscc = Text(required=True, error_messages=REQUIRED,
                validate=validate.Regexp(USCC, error=_l("统一社会信用代码应为 18 位（数字和大写字母）")))
    type = Text(required=True, error_messages=REQUIRED, validate=validate.OneOf(UNIT_TYPES, error=_l("请选择类型")))
    party_org_name = text(100, required=False, load_default="")
    contact = text(64, required=False, load_default="")
    status = Text(load_default="active", validate=validate.OneOf(list(STATUSES), error=_l("请选择状态")))

    @pre_load
    def _clean(self, data, **_kw):
        data = {k: v for k, v in data.items() if not (k == "resident_unit_id" and v == "")}
        if isinstance(data.get("uscc"), str):
            data["uscc"] = data["uscc"].strip().upper()
        return data


class CovenantIn(Schema):
    org_unit_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, error=_l("请至少选择一个社区")),
                               error_messages={"required": _l("请至少选择一个社区")})
    term_start = Date(required=True, error_messages=REQUIRED)
    term_end = Date(required=True, error_messages=REQUIRED)
    commitments = text(2000)
    signed_at = Date(load_default=None, allow_none=True, error_messages={"invalid": _l("格式不正确")})

    @pre_load
    def _boxes(self, data, **_kw):
        from flask import has_request_context, request
        data = {k: v for k, v in data.items() if not (k == "signed_at" and v == "")}
        if has_request_context() and "org_unit_ids" in request.form:
            data["org_unit_ids"] = request.form.getlist("org_unit_ids")
        return data

    @validates_schema
    def _order(self, data, **_kw):
        _dates_in_order(data, "term_start", "term_end", _l("协议终止日期不能早于起始日期"))


class ProxyIn(Schema):
    resident_name = text(64)
    reason = text(200)

    @validates_schema
    def _a_real_reason(self, data, **_kw):
        if len(data.get("reason", "")) < 4:
            raise ValidationError(_l("请写明代为办理的原因（至少 4 个字）"), "reason")
