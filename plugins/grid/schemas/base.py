"""What many grid forms share: the required-field messages, blank-means-none, dates and coordinates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from core.api import Date

REQUIRED = {"required": _l("必填项"), "null": _l("必填项"), "invalid": _l("格式不正确")}


class NoGridIsNone:
    """"不确定网格" posts an empty grid_id: that means no grid, not a bad number. Likewise an empty
    point (the reporter gave none) and an empty device time. A point needs both coordinates, in range."""

    @pre_load
    def _empty_grid(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        empty = {k: None for k in ("grid_id", "lat", "lng", "device_captured_at")
                 if isinstance(data.get(k), str) and not data[k].strip()}
        return {**data, **empty} if empty else data

    @validates_schema
    def _both_coordinates(self, data, **_kw):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError(_l("请同时填写经度和纬度，或都不填"), "lat")


def degrees(low: float, high: float, message) -> fields.Float:
    return fields.Float(load_default=None, allow_none=True, allow_nan=False,
                        error_messages={"invalid": message, "special": message},
                        validate=validate.Range(min=low, max=high, error=message))


LAT = _l("纬度应在 -90 到 90 之间")


LNG = _l("经度应在 -180 到 180 之间")


def date_field(required: bool = True, message=_l("请填写日期")):
    """A date from an <input type="date">; an empty optional one means none."""
    errors = {"required": message, "null": message, "invalid": _l("日期格式不正确")}
    if required:
        return Date(required=True, error_messages=errors)
    return Date(load_default=None, allow_none=True, error_messages=errors)


class BlankIsNone:
    """Inputs left empty post "": that means "not given" (the "required" message), not a bad value."""

    optional_blank: tuple[str, ...] = ()

    @pre_load
    def _blanks(self, data, **_kw):
        if hasattr(data, "to_dict"):
            data = data.to_dict()
        return {k: (None if k in self.optional_blank and isinstance(v, str) and not v.strip() else v)
                for k, v in data.items()}
