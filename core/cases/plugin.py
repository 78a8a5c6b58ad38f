"""Case pages, registered as an internal plugin."""
from __future__ import annotations

from ..plugins.hookspecs import hookimpl


@hookimpl
def register_blueprints(app):
    from ..web import register_model_converters
    from .models import CaseFile
    from .views import bp
    register_model_converters(app, case_file=CaseFile)
    return [bp]
