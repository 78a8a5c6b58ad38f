"""Input and settings schemas (marshmallow): one validator for forms, files and storage."""
from __future__ import annotations

from marshmallow import Schema, validate

from core.fields import Integer, Text


class Settings(Schema):
    page_size = Integer(load_default=20, validate=validate.Range(min=5, max=100),
                        metadata={"label": "每页条数", "inherit": True})


class NoteIn(Schema):
    #: core's field types refuse what would break a page later (control characters, ids past 64 bits)
    title = Text(required=True, validate=validate.Length(min=1, max=100, error="请填写 1–100 个字"),
                 error_messages={"required": "必填项"})
