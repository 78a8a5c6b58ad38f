"""The organization tree and people, registered as an internal plugin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..plugins.hookspecs import hookimpl
from ..plugins.manager import NavItem


@hookimpl
def register_blueprints(app):
    from . import figures_views  # noqa: F401  (its routes join the org blueprint)
    from .people_views import people_bp
    from .views import bp
    return [bp, people_bp]


@hookimpl
def nav_items(ctx):
    items = [NavItem("work", _l("组织体系"), "org.tree", "core.org.view", order=10),
             NavItem("work", _l("组织建设"), "org.figures", "core.org.view", order=25),
             NavItem("work", _l("人员"), "people.people", "core.people.view", order=20)]
    if ctx.kind == "district":
        items.append(NavItem("work", _l("辖区汇总"), "org.overview", "core.rollup.view", order=5))
    return items
