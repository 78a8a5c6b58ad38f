"""Input schemas for the tree and people; messages in the user's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ..fields import REQUIRED, Id, Text, text
from .models import CHILD_KINDS, GRID_TYPES, MGMT_CATEGORIES, SITE_TYPES, UNIT_KINDS


class UnitIn(Schema):
    """A new node under ``parent``."""

    name = text(100)
    code = Text(required=True, error_messages=REQUIRED, validate=validate.Regexp(
        r"^[A-Za-z0-9_\-]{1,64}$", error=_l("编码为 1–64 位字母、数字、下划线或短横线")))
    kind = Text(required=True, error_messages=REQUIRED,
                         validate=validate.OneOf(UNIT_KINDS, error=_l("类型无效")))
    grid_type = Text(load_default=None, allow_none=True,
                              validate=validate.OneOf(GRID_TYPES, error=_l("网格类型无效")))
    site_type = Text(load_default=None, allow_none=True,
                              validate=validate.OneOf((*SITE_TYPES, ""), error=_l("场所类型无效")))

    @validates_schema
    def _exclusive_needs_site(self, data, **_kw):
        if data.get("kind") == "grid" and data.get("grid_type") == "exclusive" and not data.get("site_type"):
            raise ValidationError(_l("专属网格需要选择覆盖的场所类型"), "site_type")


class RenameIn(Schema):
    name = text(100)


class MoveIn(Schema):
    parent_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择新的上级节点")})


def check_child_kind(parent_kind: str, kind: str) -> None:
    if kind not in CHILD_KINDS.get(parent_kind, ()):
        raise ValidationError({"kind": [str(_l("该节点下不能建立此类型的下级"))]})


class PersonIn(Schema):
    name = text(64)
    phone = Text(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^(|1\d{10}|100\d{8})$", error=_l("手机号应为 11 位数字")))
    id_number = Text(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^(|\d{17}[\dXx])$", error=_l("身份证号应为 18 位，最后一位可为 X")))
    org_unit_id = Id(load_default=None, allow_none=True,
                                 error_messages={"invalid": _l("请选择所属组织节点")})
    party_member = fields.Boolean(load_default=False, truthy={"on", "1", "true", "y"})
    mgmt_category = Text(load_default=None, allow_none=True,
                                  validate=validate.OneOf((*MGMT_CATEGORIES, ""), error=_l("管理类别无效")))
    employer = text(100, required=False, load_default=None, allow_none=True)

    @validates("id_number")
    def _checksum(self, value, **_kw):
        if value and not id_checksum_ok(value):
            raise ValidationError(_l("身份证号校验位不正确"))


def id_checksum_ok(value: str) -> bool:
    """GB 11643 check digit of an 18-digit resident ID number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(value[:17], weights))
    return "10X98765432"[total % 11] == value[17].upper()


class RevealIn(Schema):
    field = Text(required=True, validate=validate.OneOf(("phone", "id_number")))
    reason = text(200)
