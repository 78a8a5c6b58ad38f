"""Core's shell registered as an internal plugin: dashboard, inbox, and their nav items."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..plugins.hookspecs import hookimpl
from ..plugins.manager import NavItem, Widget


@hookimpl
def register_blueprints(app):
    from .views import bp, site
    return [site, bp]


@hookimpl
def nav_items(ctx):
    return [NavItem("work", _l("工作台"), "home.dashboard", "core.dashboard.view", order=0),
            NavItem("work", _l("搜索"), "home.search", "core.dashboard.view", order=80),
            NavItem("work", _l("消息"), "home.inbox", "core.dashboard.view", order=90)]


@hookimpl
def dashboard_widgets(ctx):
    return [Widget("org-summary", _l("组织概况"), "home.widget_org_summary", "core.org.view", order=10)]
