"""Settings and the input schemas of the office-hours forms (Chinese messages, bounded values)."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import fields, pre_load, Schema, validate, validates_schema, ValidationError

from core.api import AwareDateTime, Date, Id, Integer, Stripped, text

from .models.schedule import HOLIDAY_POLICIES, KINDS, LEVELS

RANGE = _l("请填写 {min}–{max} 之间的整数")
CATEGORIES = {"livelihood": "民生保障", "urban_property": "城建物业", "sanitation": "环境卫生",
              "consultation": "政策咨询", "dispute": "矛盾纠纷", "security": "平安建设", "other": "其他"}


def choice(options, required: bool = False, message=_l("请选择"), **kw) -> Stripped:
    """One of ``options`` (a stored code, never shown)."""
    return Stripped(required=required, validate=validate.OneOf(list(options), error=message),
                    error_messages={"required": message}, **kw)


class Mobile(Stripped):
    """An 11-digit mobile number, or nothing when the box was left empty."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if isinstance(value, str) and not value.strip():
            return None
        return super().deserialize(value, attr, data, **kwargs)


def mobile(**kw) -> Mobile:
    return Mobile(validate=validate.Regexp(r"^1\d{10}$", error=_l("请填写11位手机号")), load_default=None,
                  allow_none=True, **kw)


class Form(Schema):
    """An optional box left empty (or "未预约" chosen) means no value, not a bad one."""

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        return {k: None if v == "" and k in self.fields and self.fields[k].allow_none else v
                for k, v in data.items()}


class Settings(Schema):
    risk_day = Integer(load_default=20, validate=validate.Range(1, 28, error=RANGE),
                       metadata={"label": "每月几号仍未发布接待即提示风险", "inherit": True})


class RepresentativeIn(Form):
    person_id = Id(required=True)
    org_unit_id = Id(required=True)
    kind = choice(KINDS, required=True)
    level = choice(LEVELS, load_default="district")
    term_start = Date(required=True)
    term_end = Date(load_default=None, allow_none=True)


class StudioIn(Form):
    org_unit_id = Id(required=True)
    name = text(100)
    address = text(200, required=False, load_default="")
    public_phone = text(20, required=False, load_default="")
    compliance_from = Date(required=True)


class SeriesIn(Form):
    rrule = text(200)
    valid_from = Date(required=True)
    valid_to = Date(load_default=None, allow_none=True)
    at = fields.Time(required=True, error_messages={"required": _l("请填写开始时间"), "invalid": _l("时间格式不对")})
    duration_min = Integer(load_default=120, validate=validate.Range(20, 480, error=RANGE))
    slot_minutes = Integer(load_default=20, validate=validate.Range(5, 120, error=RANGE))
    seats_per_slot = Integer(load_default=1, validate=validate.Range(1, 50, error=RANGE))
    reserved_walkin_seats = Integer(load_default=2, validate=validate.Range(0, 50, error=RANGE))
    min_notice_hours = Integer(load_default=2, validate=validate.Range(0, 72, error=RANGE))
    max_bookings_per_person_month = Integer(load_default=3, validate=validate.Range(1, 31, error=RANGE))
    announce_days_before = Integer(load_default=3, validate=validate.Range(0, 30, error=RANGE))
    holiday_policy = choice(HOLIDAY_POLICIES, load_default="next_working_day")
    supersedes_id = Id(load_default=None, allow_none=True)
    host_ids = fields.List(Id(), load_default=list)

    @validates_schema
    def _order(self, data, **kw):
        if data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError(_("结束日期不能早于开始日期"), "valid_to")


class ReasonIn(Form):
    reason = text(200)
    version = Integer(load_default=None, allow_none=True)


class RescheduleIn(ReasonIn):
    starts_at = AwareDateTime(required=True)


class HoldIn(Form):
    slot_id = Id(required=True)
    name = text(64, required=False, load_default="")
    phone = mobile()


class WalkInIn(Form):
    name = text(64, required=False, load_default="")
    phone = mobile()


class VisitIn(Form):
    booking_id = Id(load_default=None, allow_none=True)
    visitor_name = text(64, required=False, load_default="")
    contact_phone = mobile()
    statement_verbatim = text(4000)
    summary = text(200, required=False, load_default="")
    category = choice(CATEGORIES, required=True, message=_l("请选择类别"))
    read_back = fields.Boolean(load_default=False)
    anonymous = fields.Boolean(load_default=False)
    confidential = fields.Boolean(load_default=False)
    create_issue = fields.Boolean(load_default=False)


class CloseIn(Form):
    visitor_count = Integer(required=True, validate=validate.Range(0, 1000, error=RANGE))
    minutes_text = text(4000, required=False, load_default="")
    version = Integer(load_default=None, allow_none=True)


class AddendumIn(Form):
    reason = text(200)
    content = text(4000)
    visit_id = Id(load_default=None, allow_none=True)


class IssueActIn(Form):
    version = Integer(load_default=None, allow_none=True)
    note = text(2000, required=False, load_default="")
    category = choice(CATEGORIES, load_default=None, allow_none=True)
    proposal = text(400, required=False, load_default="")
    target_type = text(16, required=False, load_default=None, allow_none=True)
    target_ref = text(100, required=False, load_default="")
    target_unit_id = Id(load_default=None, allow_none=True)
    result = text(12, required=False, load_default=None, allow_none=True)
