"""Input and settings schemas (marshmallow): one validator for forms, files and storage."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class Settings(Schema):
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=5, max=100),
                               metadata={"label": "每页条数", "inherit": True})


class NoteIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=100, error="请填写 1–100 个字"),
                          error_messages={"required": "必填项"})
