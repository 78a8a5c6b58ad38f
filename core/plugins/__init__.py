"""Plugin loading and the hooks core itself uses (blueprints, permissions, nav, widgets)."""
from __future__ import annotations

from flask import Flask

from .manager import load


def init_plugins(app: Flask) -> None:
    registry = load(strict=app.config["PLUGINS_STRICT"], safe_mode=app.config["SAFE_MODE"])
    for blueprints in registry.pm.hook.register_blueprints(app=app):
        for bp in blueprints or []:
            if bp.name not in app.blueprints:
                app.register_blueprint(bp)
    for endpoint, view in app.view_functions.items():  # blueprint static folders are public too
        if endpoint.endswith(".static"):
            view._audience = "public"
    registry.pm.hook.core_ready.call_historic(kwargs={"app": app})
    app.extensions["jiceng.plugins"] = registry
