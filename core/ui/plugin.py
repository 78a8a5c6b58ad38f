"""Core's shell registered as an internal plugin: dashboard, inbox, and their nav items."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..plugins.hookspecs import hookimpl
from ..plugins.manager import NavItem, Widget


@hookimpl
def register_blueprints(app):
    from ..calendar_views import bp as calendar_bp, platform_bp as platform_calendar_bp
    from .views import bp, site
    return [site, bp, calendar_bp, platform_calendar_bp]


@hookimpl
def nav_items(ctx):
    return [NavItem("work", _l("工作台"), "home.dashboard", "core.dashboard.view", order=0),
            NavItem("work", _l("搜索"), "home.search", "core.dashboard.view", order=80),
            NavItem("work", _l("消息"), "home.inbox", "core.dashboard.view", order=90),
            NavItem("admin", _l("工作日历"), "calendar.year_view", "core.calendar.edit", order=40)]


@hookimpl
def register_permissions():
    from ..auth.permissions import Permission
    return [Permission("core.calendar.edit", _l("调整本单位工作日历"), ("tenant_admin",))]


@hookimpl
def dashboard_widgets(ctx):
    return [Widget("org-summary", _l("组织概况"), "home.widget_org_summary", "core.org.view", order=10)]
