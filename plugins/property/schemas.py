"""Property settings and input schemas (marshmallow): messages in Chinese, unknown fields refused."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.api import AwareDateTime, clock, Date, Id, Integer, Text, text
from core.api import text as _t

from .schemas_money import MEETING_PARTIES_FIELD, SUBSIDY_MODES_FIELD
from .models.registry import BODY_KINDS, COMPANY_KINDS, COMPOUND_TYPES, MODES, PARTY_ORG_TYPES

REQUIRED = {"required": _l("必填项"), "null": _l("必填项"), "invalid": _l("格式不正确")}


def _choice(options, message, **kw):
    return Text(validate=validate.OneOf(list(options), error=message), error_messages=REQUIRED, **kw)


class Settings(Schema):
    warn_working_days = Integer(load_default=2, validate=validate.Range(min=1, max=20),
                                metadata={"label": "无处理多少个工作日后预警", "inherit": True})
    escalate_working_days = Integer(load_default=3, validate=validate.Range(min=1, max=30),
                                    metadata={"label": "无处理多少个工作日后转社区督办", "inherit": True})
    auto_close_days = Integer(load_default=7, validate=validate.Range(min=1, max=60),
                              metadata={"label": "完成后未评价自动关闭（自然日）", "inherit": True})
    dispute_days = Integer(load_default=7, validate=validate.Range(min=1, max=60),
                           metadata={"label": "居民对退单提出异议的期限（天）", "inherit": True})
    coverage_counts_self_governed = fields.Boolean(load_default=True,
                                                   metadata={"label": "业主自治计入物业覆盖", "inherit": True})
    subsidy_modes = SUBSIDY_MODES_FIELD
    meeting_parties = MEETING_PARTIES_FIELD


class ProfileIn(Schema):
    type = _choice(COMPOUND_TYPES, _l("请选择小区类型"), load_default="商品房")
    households = Integer(load_default=0, validate=validate.Range(min=0, max=100000, error=_l("户数不正确")))
    area_m2 = Integer(load_default=0, validate=validate.Range(min=0, max=10000000, error=_l("面积不正确")))
    build_year = Integer(load_default=None, allow_none=True,
                         validate=validate.Range(min=1900, max=2200, error=_l("建成年份不正确")))
    party_org_type = _choice(PARTY_ORG_TYPES, _l("请选择小区党组织形式"), load_default="none")
    red_property = fields.Boolean(load_default=False)
    hints = text(2000, required=False, load_default="")


class CompanyIn(Schema):
    name = text(100)
    uscc = Text(required=True, error_messages=REQUIRED,
                validate=validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{18}$", error=_l("统一社会信用代码应为18位")))
    kind = _choice(COMPANY_KINDS, _l("请选择企业类型"), required=True)
    contact = text(100, required=False, load_default="")
    has_party_org = fields.Boolean(load_default=False)
    party_member_staff = Integer(load_default=0, validate=validate.Range(min=0, max=10000, error=_l("人数不正确")))
    credit_grade = Text(load_default="", validate=validate.OneOf(["", "AAA", "AA", "A", "B", "C"],
                                                                 error=_l("请选择信用等级")))


class StaffIn(Schema):
    username = text(64)
    title = text(40, required=False, load_default="")


class CoverageIn(Schema):
    mode = _choice(MODES, _l("请选择服务方式"), required=True)
    provider_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择物业企业")})
    contract_no = text(40, required=False, load_default="")
    starts_on = Date(required=True, error_messages=REQUIRED)
    ends_on = Date(load_default=None, allow_none=True, error_messages=REQUIRED)
    fee_standard = text(60, required=False, load_default="")
    households_covered = Integer(load_default=0, validate=validate.Range(min=0, max=100000, error=_l("户数不正确")))

    @validates_schema
    def _check(self, data, **kw):
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(_l("结束日期不能早于开始日期"), "ends_on")
        if data.get("mode") in ("professional", "fallback") and not data.get("provider_id"):
            raise ValidationError(_l("专业物业和兜底服务须选择物业企业"), "provider_id")


class HandoverIn(Schema):
    provider_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择兜底物业企业")})
    households_covered = Integer(load_default=0, validate=validate.Range(min=0, max=100000, error=_l("户数不正确")))
    contract_no = text(40, required=False, load_default="")


class GovernanceIn(Schema):
    kind = _choice(BODY_KINDS, _l("请选择组织类型"), required=True)
    term_start = Date(required=True, error_messages=REQUIRED)
    term_end = Date(required=True, error_messages=REQUIRED)
    filing_status = _choice(("filed", "pending", "none"), _l("请选择备案状态"), load_default="filed")
    members = text(1000, required=False, load_default="")  # one a line; a leading ★ marks a Party member

    @validates_schema
    def _check(self, data, **kw):
        if data.get("term_end") and data.get("term_start") and data["term_end"] <= data["term_start"]:
            raise ValidationError(_l("任期结束须晚于任期开始"), "term_end")


class TicketIn(Schema):
    compound_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择小区")})
    category_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择报修类别")})
    kind = _choice(("repair", "complaint"), _l("请选择报修或投诉"), load_default="repair")
    description = text(1000)
    building_id = Id(load_default=None, allow_none=True, error_messages={"invalid": _l("请选择楼栋")})
    unit_label = text(40, required=False, load_default="")
    anonymous = fields.Boolean(load_default=False)
    contact = text(60, required=False, load_default="")
    entry_permission = _choice(("none", "any_time", "appointment"), _l("请选择是否允许入户"), load_default="none")
    channel = _choice(("resident_app", "phone", "walk_in", "staff"), _l("请选择来源"), load_default="resident_app")


class ActIn(Schema):
    """Every step's fields; each step's service says which it needs (Chinese refusal otherwise)."""
    version = Integer(load_default=None, allow_none=True)
    reason = _t(200, required=False, load_default="")
    text = _t(1000, required=False, load_default="")
    deferred_until = Date(load_default=None, allow_none=True, error_messages=REQUIRED)
    result = _t(500, required=False, load_default="")
    photo = _t(200, required=False, load_default="")
    rating = Text(load_default="", validate=validate.OneOf(["", "good", "bad", "returned"], error=_l("请选择评价")))
    reasons = _t(200, required=False, load_default="")
    internal = fields.Boolean(load_default=False)
    passed = fields.Boolean(load_default=False)
    overall = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5, error=_l("请打 1–5 分")))


class IncidentIn(Schema):
    compound_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择小区")})
    kind = _choice(("water", "power", "lift", "gas", "other"), _l("请选择类型"), required=True)
    planned = fields.Boolean(load_default=False)
    window_start = AwareDateTime(required=True, error_messages=REQUIRED, default_timezone=clock.SHANGHAI)
    window_end = AwareDateTime(required=True, error_messages=REQUIRED, default_timezone=clock.SHANGHAI)
    staff_script = text(500)

    @validates_schema
    def _check(self, data, **kw):
        if data.get("window_end") and data.get("window_start") and data["window_end"] <= data["window_start"]:
            raise ValidationError(_l("结束时间须晚于开始时间"), "window_end")
