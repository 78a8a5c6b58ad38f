"""The 模块管理 page, registered as an internal plugin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..auth.permissions import Permission
from .hookspecs import hookimpl
from .manager import NavItem


@hookimpl
def register_blueprints(app):
    from .views import bp, platform_bp
    return [bp, platform_bp]


@hookimpl
def register_jobs():
    from datetime import timedelta

    from ..events.jobs import JobSpec
    from .health import purge_old
    return [JobSpec("core.plugin_errors_purge", timedelta(days=1), purge_old)]


@hookimpl
def register_permissions():
    return [Permission("core.plugins.manage", _l("启用和设置模块"), ("tenant_admin",))]


@hookimpl
def nav_items(ctx):
    return [NavItem("admin", _l("模块管理"), "modules.index", "core.plugins.manage", order=30)]
