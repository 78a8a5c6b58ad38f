"""Case pages, registered as an internal plugin."""
from __future__ import annotations

from werkzeug.routing import BaseConverter

from ..plugins.hookspecs import hookimpl


class CaseNumberConverter(BaseConverter):
    """``2026-00042``: a year and a count, nothing else reaches the view."""

    regex = r"\d{4}-\d{5,7}"


@hookimpl
def register_blueprints(app):
    from .views import bp
    app.url_map.converters["case_number"] = CaseNumberConverter
    return [bp]
