"""Plugins: loading, per-tenant gating, the hooks core itself uses."""
from __future__ import annotations

import logging

from flask import Flask

from .manager import FailedPlugin, PluginLoadError, load

log = logging.getLogger(__name__)


def init_plugins(app: Flask, extra: dict | None = None) -> None:
    """Load plugins, mount every blueprint now (Flask refuses routes later), wire CLI commands."""
    registry = load(strict=app.config["PLUGINS_STRICT"], safe_mode=app.config["SAFE_MODE"],
                    extra=extra or app.config.get("EXTRA_PLUGINS"))
    app.extensions["jiceng.plugins"] = registry
    for impl in registry.pm.hook.register_blueprints.get_hookimpls():
        plugin = impl.plugin_name
        try:
            blueprints = impl.function(app=app) or []
        except Exception as exc:  # noqa: BLE001
            if app.config["PLUGINS_STRICT"]:
                raise
            log.exception("plugin %s failed to register blueprints", plugin)
            registry.plugins.pop(plugin, None)
            registry.failed.append(FailedPlugin(plugin, f"register_blueprints failed: {exc}"))
            continue
        for bp in blueprints:
            if plugin in registry.core_names:
                app.register_blueprint(bp)
                continue
            if bp.name != plugin:
                message = f"{plugin}: blueprint {bp.name!r} must be named after the plugin"
                if app.config["PLUGINS_STRICT"]:
                    raise PluginLoadError(message)
                log.error(message)
                continue
            app.register_blueprint(bp, url_prefix=f"/t/<tenant>/{plugin}")
            registry.blueprint_owner[bp.name] = plugin
    for endpoint, view in app.view_functions.items():  # blueprint static folders are public
        if endpoint.endswith(".static"):
            view._audience = "public"
    registry.pm.hook.register_cli_commands(cli=app.cli)
    registry.pm.hook.core_ready.call_historic(kwargs={"app": app, "registry": registry})
