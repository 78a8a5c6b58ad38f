"""The street's grid settings (the plugin's settings schema)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.api import Integer


class Settings(Schema):
    min_ranking_sample = Integer(load_default=10, validate=validate.Range(min=1, max=1000),
                                        metadata={"label": "排名最小样本量", "inherit": True})
    reopen_window_days = Integer(load_default=15, validate=validate.Range(min=1, max=90),
                                        metadata={"label": "重新办理期限（天）", "inherit": True})
    public_reports = fields.Boolean(load_default=True, metadata={"label": "开放居民上报页面"})
    self_handle_sample_pct = Integer(load_default=10, validate=validate.Range(min=0, max=100),
                                            metadata={"label": "现场办结抽查比例（%）", "inherit": True})
