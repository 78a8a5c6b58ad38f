"""Input and settings schemas (marshmallow): one validator for forms, files and storage."""
from __future__ import annotations

from marshmallow import Schema, validate

from core.api import Integer, text


class Settings(Schema):
    page_size = Integer(load_default=20, validate=validate.Range(min=5, max=100, error="请填写 5–100 之间的整数"),
                        metadata={"label": "每页条数", "inherit": True})


class NoteIn(Schema):
    #: core's field types refuse what would break a page later (control characters, ids past 64 bits)
    #: and answer in Chinese: 必填项, 最多 100 个字符
    title = text(100)
