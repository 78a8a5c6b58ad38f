"""Field types every input schema uses, so nothing that gets in can break a page later.

A control character stored in a title makes the XLSX export fail for every period that includes
it (and NUL is refused by PostgreSQL); an id past 64 bits overflows the database; a date in year 1
or 9999 overflows the date arithmetic of every report that meets it. Schemas use these types
instead of marshmallow's own (``tests/security`` checks every schema does).
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

#: ids are 64-bit signed integers in PostgreSQL (BIGINT) and SQLite
MAX_ID = 2**63 - 1
MIN_INT = -(2**63)
#: dates anyone means in this work: birthdays, events, schedules
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)

#: C0 control characters; long text keeps tab and line feed
CONTROL = re.compile(r"[\x00-\x1f]")
CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x1f]")

REQUIRED = {"required": _l("必填项"), "null": _l("必填项")}


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


class Text(fields.String):
    """A string without C0 control characters; ``lines=True`` keeps tabs and line breaks (a
    textarea sends CRLF, stored as LF). ``strip=True``: " " is as empty as "" to a person."""

    default_error_messages = {"control": _l("不能包含换行、制表符等控制字符"),
                              "control_in_lines": _l("不能包含控制字符")}

    def __init__(self, *, lines: bool = False, strip: bool = False, **kwargs):
        self.lines, self.strip = lines, strip
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if self.strip:
            value = value.strip()
        if self.lines:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            if CONTROL_IN_LINES.search(value):
                raise self.make_error("control_in_lines")
        elif CONTROL.search(value):
            raise self.make_error("control")
        return value


class Stripped(Text):
    """Text with surrounding spaces removed: " " is as empty as "" to a person."""

    def __init__(self, **kwargs):
        super().__init__(strip=True, **kwargs)


def text(max_len: int, required: bool = True, lines: bool | None = None, **kw) -> Text:
    """Typed text of at most ``max_len`` characters, spaces around it dropped. Long text (500 or
    more) is written in a textarea and keeps its line breaks unless ``lines`` says otherwise."""
    checks = [validate.Length(max=max_len, error=_l("最多 {max} 个字符"))]
    if required:
        checks.insert(0, validate.Length(min=1, error=_l("必填项")))
    return Stripped(lines=max_len >= 500 if lines is None else lines, required=required,
                    error_messages=REQUIRED if required else {}, validate=checks, **kw)


class Integer(fields.Integer):
    """A whole number that fits the database's 64 bits."""

    default_error_messages = {"invalid": _l("请填写整数"), "too_large": _l("数值超出范围")}
    low, high, past_range = MIN_INT, MAX_ID, "too_large"

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if not self.low <= number <= self.high:
            raise self.make_error(self.past_range)
        return number


class Id(Integer):
    """The id of a row, chosen from a list: a number no row can have is not a valid choice."""

    low, past_range = 1, "invalid"


class Date(fields.Date):
    default_error_messages = {"invalid": _l("日期格式不正确"), "range": _l("日期应在 1900 年至 2200 年之间")}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not in_range(day):
            raise self.make_error("range")
        return day


class AwareDateTime(fields.AwareDateTime):
    """A moment with its time zone (naive ones take ``default_timezone``), in the years of ``Date``."""

    default_error_messages = {"invalid": _l("时间格式不正确"), "range": _l("日期应在 1900 年至 2200 年之间")}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not in_range(moment.date()):
            raise self.make_error("range")
        return moment

