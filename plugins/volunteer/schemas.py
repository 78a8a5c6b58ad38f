"""Settings and the input schemas of the forms (marshmallow, core's field types)."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.api import Date, Id, Integer, text

from .models.activities import ACTIVITY_TYPES
from .models.periods import REASON_CODES
from .models.people import CONSENTS, KINDS, ROLES, TEAM_TYPES
from .models.posts import POST_KINDS

RANGE = _l("请填写 {min}–{max} 之间的整数")


class Settings(Schema):
    daily_cap_minutes = Integer(load_default=480, validate=validate.Range(min=60, max=1440, error=RANGE),
                                metadata={"label": "每人每日最多记录时长（分钟）", "inherit": True})
    points_per_hour = Integer(load_default=1, validate=validate.Range(min=0, max=100, error=RANGE),
                              metadata={"label": "每小时积分", "inherit": True})
    points_expiry_months = Integer(load_default=0, validate=validate.Range(min=0, max=120, error=RANGE),
                                   metadata={"label": "积分有效期（月，0 为不过期）", "inherit": True})
    rankings_enabled = fields.Boolean(load_default=False, metadata={"label": "公示牌显示队伍服务时长排行",
                                                                     "inherit": True})
    pickup_days = Integer(load_default=14, validate=validate.Range(min=1, max=60, error=RANGE),
                          metadata={"label": "兑换领取期限（天）"})


def _with(field, check):
    field.validators.append(check)
    return field


def _choice(options: dict, required: bool = True):
    return _with(text(24, required=required), validate.OneOf(list(options), error=_l("请从列表中选择")))


def _time():
    return _with(text(5), validate.Regexp(r"^\d\d:\d\d$", error=_l("时间格式为 HH:MM")))


class VolunteerIn(Schema):
    person_id = Id(required=True)
    kind = _choice(KINDS)
    role = _choice(ROLES, required=False)
    board_consent = _choice(CONSENTS, required=False)

    @validates_schema
    def _role(self, data, **_kw):
        if data.get("role") and data.get("kind") != "retired_member":
            raise ValidationError(_("三员角色仅限退休党员"), "role")


class TeamIn(Schema):
    name = text(100)
    type = _choice(TEAM_TYPES)
    org_unit_id = Id(required=True)
    leader_id = Id(required=False, allow_none=True)


class PostIn(Schema):
    title = text(100)
    kind = _choice(POST_KINDS)
    org_unit_id = Id(required=True)
    capacity = Integer(required=True, validate=validate.Range(min=1, max=500, error=RANGE))
    description = text(500, required=False)
    location = text(100, required=False)
    required_role = _choice(ROLES, required=False)
    term_months = Integer(load_default=12, validate=validate.Range(min=1, max=36, error=RANGE))


class ActivityIn(Schema):
    title = text(100)
    type = _choice(ACTIVITY_TYPES)
    org_unit_id = Id(required=True)
    location = text(100, required=False)
    day = Date(required=True)
    start_time = _time()
    end_time = _time()
    capacity = Integer(required=True, validate=validate.Range(min=1, max=1000, error=RANGE))


class CheckinIn(Schema):
    code = _with(text(6), validate.Regexp(r"^\d{6}$", error=_l("请输入 6 位签到码")))


class ReasonIn(Schema):
    reason = text(200)


class BackfillIn(Schema):
    volunteer_id = Id(required=True)
    service_date = Date(required=True)
    minutes = Integer(required=True, validate=validate.Range(min=1, max=1440, error=RANGE))
    note = text(200)


class RewardIn(Schema):
    name = text(100)
    org_unit_id = Id(required=True)
    points = Integer(required=True, validate=validate.Range(min=1, max=100000, error=RANGE))
    stock = Integer(required=True, validate=validate.Range(min=0, max=100000, error=RANGE))
    donor = text(100, required=False)


class CertificateIn(Schema):
    range_from = Date(required=True)
    range_to = Date(required=True)

    @validates_schema
    def _order(self, data, **_kw):
        if data.get("range_from") and data.get("range_to") and data["range_from"] > data["range_to"]:
            raise ValidationError(_("结束日期不能早于开始日期"), "range_to")


class AdjustIn(Schema):
    """积分调整: BONUS or DEDUCT in whole points with a reason code (above 50 points a second person approves)."""
    txn_type = _choice({"BONUS": 1, "DEDUCT": 1})
    points = Integer(required=True, validate=validate.Range(min=1, max=10000, error=RANGE))
    reason_code = _choice(REASON_CODES)
    memo = text(200)
