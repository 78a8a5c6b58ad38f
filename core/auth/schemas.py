"""Input schemas for sign-in and user administration; messages in the user's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates

from ..fields import REQUIRED, Id, Text, text
from .passwords import password_problem


def _required_str(max_len: int, **kw):
    return Text(required=True, error_messages=REQUIRED,
                         validate=[validate.Length(min=1, error=_l("必填项")),
                                   validate.Length(max=max_len, error=_l("最多 {max} 个字符"))], **kw)


class LoginIn(Schema):
    username = _required_str(64)
    password = _required_str(128)
    next = Text(load_default="")


class PasswordIn(Schema):
    password = _required_str(128)

    @validates("password")
    def _policy(self, value, **_kw):
        problem = password_problem(value)
        if problem:
            raise ValidationError(problem)


class UserIn(Schema):
    username = Text(required=True, error_messages=REQUIRED, validate=[
        validate.Regexp(r"^[A-Za-z0-9_.\-]{3,64}$", error=_l("用户名为 3–64 位字母、数字、下划线、点或短横线"))])
    display_name = _required_str(64)


class GrantIn(Schema):
    user_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择用户")})
    role = _required_str(64)
    org_unit_id = Id(required=True, error_messages={**REQUIRED, "invalid": _l("请选择组织节点")})


class TotpIn(Schema):
    code = Text(required=True, error_messages=REQUIRED,
                         validate=validate.Regexp(r"^(\d{6}|[a-z0-9]{10})$", error=_l("请输入 6 位验证码或恢复码")))


class ApiKeyIn(Schema):
    name = text(64)  # " " names no platform
    scopes = fields.List(Text(), required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, error=_l("至少选择一项用途")))

    @validates("scopes")
    def _offered(self, value, **_kw):
        from .apikeys import offered_scopes
        if set(value) - set(offered_scopes()):
            raise ValidationError(_l("没有这项用途"))
