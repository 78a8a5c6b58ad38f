"""Hook specifications core needs itself. Signatures and examples: ``core/plugins/HOOKS.md``."""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("jiceng")
hookimpl = pluggy.HookimplMarker("jiceng")

# --- boot -------------------------------------------------------------------------------------


@hookspec
def register_blueprints(app):
    """Return blueprints to mount under ``/t/<tenant>/<plugin>/``."""


@hookspec
def register_permissions():
    """Return ``Permission`` objects; codes start with ``<plugin>.``."""


@hookspec(historic=True)
def core_ready(app):
    """Called once after every plugin is loaded."""


# --- every page ---------------------------------------------------------------------------------


@hookspec
def nav_items(ctx):
    """Return ``NavItem`` objects for this tenant's navigation; isolated."""


@hookspec
def dashboard_widgets(ctx):
    """Return ``Widget`` objects for the dashboard; each is a lazy htmx card; isolated."""
