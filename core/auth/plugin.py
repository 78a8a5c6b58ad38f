"""Core accounts and administration, registered as an internal plugin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..plugins.hookspecs import hookimpl
from ..plugins.manager import NavItem


@hookimpl
def register_blueprints(app):
    from .admin import bp as admin_bp
    from .views import bp
    return [bp, admin_bp]


@hookimpl
def register_permissions():
    from .permissions import CORE_PERMISSIONS
    return CORE_PERMISSIONS


@hookimpl
def nav_items(ctx):
    return [NavItem("admin", _l("用户与授权"), "admin.users", "core.users.manage", order=10),
            NavItem("admin", _l("接口密钥"), "admin.api_keys", "core.apikeys.manage", order=15),
            NavItem("admin", _l("审计日志"), "admin.audit_log", "core.audit.view", order=20)]
