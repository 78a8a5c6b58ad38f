"""Hook specifications, grouped by phase. Signatures, examples and gating: ``core/plugins/HOOKS.md``.

Hooks take keyword arguments; an implementation may accept a subset of them, never with defaults.
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("jiceng")
hookimpl = pluggy.HookimplMarker("jiceng")

# --- boot: called once when the application starts ----------------------------------------------


@hookspec(historic=True)
def register_hookspecs(pm):
    """Publish hook specifications other plugins may implement (with ``optionalhook=True``)."""


@hookspec
def register_blueprints(app):
    """Return blueprints; a plugin's blueprint is named after the plugin and mounted at ``/t/<tenant>/<name>/``."""


@hookspec
def register_permissions():
    """Return ``Permission`` objects; codes start with ``<plugin>.``."""


@hookspec
def register_audit_labels():
    """Return ``{action: label}`` for this plugin's audit actions (and its audited events); keys start with ``<plugin>.``."""


@hookspec
def register_event_types():
    """Return ``Event`` subclasses this plugin emits; names are ``<plugin>.<event>``."""


@hookspec
def register_jobs():
    """Return ``JobSpec`` objects; they run only for tenants with the plugin enabled."""


@hookspec
def register_cli_commands(cli):
    """Add click commands to ``cli``; they take ``--tenant`` or say they are system-wide."""


@hookspec(historic=True)
def core_ready(app, registry):
    """Called once after every plugin is loaded and every blueprint is mounted."""


# --- every request: gated to the tenant's enabled plugins, each implementation isolated ---------


@hookspec
def nav_items(ctx):
    """Return ``NavItem`` objects for this tenant's navigation."""


@hookspec
def dashboard_widgets(ctx):
    """Return ``Widget`` objects; each is a lazy htmx card with its own error boundary."""


@hookspec
def render_slot(slot, ctx, obj):
    """Return markup (``Markup``) or text (escaped) for a named template slot, or None."""


@hookspec
def object_tabs(kind, obj, ctx):
    """Return ``Tab`` objects for an org unit or person page."""


@hookspec
def extend_payload(kind, obj, ctx):
    """Return a dict added to the JSON of ``obj`` under ``plugins.<name>``, or None."""


@hookspec
def search(ctx, query, limit):
    """Return ``SearchHit`` objects for the search box."""


@hookspec(firstresult=True)
def resolve_exporter(fmt, ctx):
    """Return an exporter for ``fmt``, or None. The first non-None result wins. A sheet is made with
    ``core.org.sheets.download``, which keeps typed text from running as a formula."""


# --- tenant lifecycle: called for this plugin only --------------------------------------------


@hookspec
def on_tenant_enable(tenant, settings, data_version):
    """Prepare a tenant's data when the plugin is switched on; return the new ``data_version``."""


@hookspec
def on_tenant_disable(tenant):
    """The plugin was switched off for ``tenant``; its data is kept."""


@hookspec
def on_tenant_purge(tenant):
    """The tenant's data of this plugin is about to be deleted; release anything outside the database."""


@hookspec
def on_settings_changed(tenant, old, new):
    """A validated settings change was saved."""


@hookspec
def demo_data(tenant, scale, window_end):
    """Fill deterministic demo data for a demo tenant; idempotent."""


# --- events and personal data ----------------------------------------------------------------


@hookspec
def on_event(event, ctx):
    """An event was committed in ``ctx``'s tenant; subscribers are idempotent on ``event.id``."""


@hookspec
def export_person(person, ctx):
    """Return everything this plugin holds about ``person`` (enabled or not), or None."""


@hookspec
def erase_person(person, ctx):
    """Delete or pseudonymise this plugin's personal data about ``person`` (enabled or not)."""
