"""The plugin manager: core's modules as internal plugins, others found through entry points.

A plugin that fails to import, clashes, or does not fit this core is skipped and reported
(strict mode, used in development and tests, raises instead). Hooks that collect items run
each implementation in its own ``try``: one plugin's bug costs its own items, not the page.
Per-tenant gating hands each context a relay built with ``subset_hook_caller`` that leaves out
the plugins the tenant has not switched on.
"""
from __future__ import annotations

import functools
import logging
import os
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from . import hookspecs
from .manifest import API_VERSION, PluginManifest

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "jiceng.plugins"
CORE_PLUGINS = ("core.ui.plugin", "core.org.plugin", "core.auth.plugin", "core.plugins.plugin", "core.cases.plugin")
REPO_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


class PluginLoadError(RuntimeError):
    """Raised in strict mode when a plugin cannot be loaded."""


@dataclass(frozen=True)
class NavItem:
    group: str  # work | service | participate | admin
    label: object
    endpoint: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class Widget:
    name: str
    title: object
    endpoint: str
    permission: str
    order: int = 100
    scope: str = "tenant"  # tenant | district


@dataclass(frozen=True)
class Tab:
    name: str
    title: object
    url: str
    permission: str


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    kind: str


@dataclass
class FailedPlugin:
    name: str
    reason: str


@dataclass
class LoadedPlugin:
    manifest: PluginManifest
    module: object
    first_party: bool


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    core_names: frozenset[str]
    plugins: dict[str, LoadedPlugin] = field(default_factory=dict)
    failed: list[FailedPlugin] = field(default_factory=list)
    permissions: list = field(default_factory=list)
    event_types: dict[str, type] = field(default_factory=dict)
    #: audit action → its readable name, from ``register_audit_labels`` (core's own: ``core.audit.labels``)
    audit_labels: dict[str, object] = field(default_factory=dict)
    #: (plugin name, JobSpec)
    jobs: list = field(default_factory=list)
    #: blueprint name → plugin name, for gating routes per request.
    blueprint_owner: dict[str, str] = field(default_factory=dict)
    errors: dict[tuple[str, str], int] = field(default_factory=dict)
    #: hook errors noted in this worker, written by ``health.flush`` once their unit of work ends
    pending: list = field(default_factory=list)
    _relays: dict = field(default_factory=dict)

    def relay(self, enabled: frozenset[str]) -> "GatedHooks":
        relay = self._relays.get(enabled)
        if relay is None:
            relay = self._relays[enabled] = GatedHooks(self, enabled)
        return relay

    def order(self) -> list[str]:
        """Installed plugins, dependencies first."""
        return list(self.plugins)

    def call_for(self, plugin: str, hook: str, **kwargs):
        """Call one plugin's implementation of a lifecycle hook (``on_tenant_enable`` …)."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name == plugin:
                return impl.function(*[kwargs[a] for a in impl.argnames])
        return None

    def count_error(self, plugin: str, hook: str, exc: BaseException | None = None) -> None:
        """Count in this worker and note it for the table every worker reads (``health``)."""
        self.errors[(plugin, hook)] = self.errors.get((plugin, hook), 0) + 1
        from .health import note
        note(self, plugin, hook, exc)


class GatedHooks:
    """``ctx.hooks.collect("nav_items", ctx=ctx)`` runs core and the tenant's enabled plugins only."""

    def __init__(self, registry: PluginRegistry, enabled: frozenset[str]):
        pm = registry.pm
        off = [p for n, p in pm.list_name_plugin() if p and n not in registry.core_names and n not in enabled]
        self._registry = registry
        self.enabled = enabled
        self._caller = functools.cache(lambda hook: pm.subset_hook_caller(hook, remove_plugins=off))

    def __getattr__(self, hook: str):
        return self._caller(hook)

    def impls(self, hook: str):
        return reversed(self._caller(hook).get_hookimpls())

    def collect(self, hook: str, **kwargs) -> list:
        """Call every implementation separately; a failing one is logged, counted and yields nothing."""
        items: list = []
        for impl in self.impls(hook):
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:  # noqa: BLE001 - isolation is the point
                log.exception("plugin %s failed in hook %s", impl.plugin_name, hook)
                self._registry.count_error(impl.plugin_name, hook, exc)
                continue
            if result:
                items.extend(result)
        return items

    def first(self, hook: str, **kwargs):
        """Call implementations in order until one answers (``firstresult`` hooks), isolated."""
        for impl in self.impls(hook):
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:  # noqa: BLE001
                log.exception("plugin %s failed in hook %s", impl.plugin_name, hook)
                self._registry.count_error(impl.plugin_name, hook, exc)
                continue
            if result is not None:
                return result
        return None


_registry: PluginRegistry | None = None


def _core_version() -> Version:
    from .. import __version__
    return Version(__version__)


def _check(name: str, module, first_party: bool) -> PluginManifest:
    manifest = getattr(module, "MANIFEST", None)
    if not isinstance(manifest, PluginManifest):
        raise PluginLoadError(f"{name}: plugin.py has no MANIFEST")
    if manifest.name != name:
        raise PluginLoadError(f"{name}: manifest name {manifest.name!r} differs from its entry point")
    if manifest.api_version != API_VERSION:
        raise PluginLoadError(f"{name}: written for plugin API {manifest.api_version}, core offers {API_VERSION}")
    try:
        fits = _core_version() in SpecifierSet(manifest.requires_core)
    except InvalidSpecifier as exc:
        raise PluginLoadError(f"{name}: requires_core {manifest.requires_core!r} is not a version specifier") from exc
    if not fits:
        raise PluginLoadError(f"{name}: needs core {manifest.requires_core}, this is {_core_version()}")
    if manifest.prefix != f"{name}__":
        raise PluginLoadError(f"{name}: table prefix must be {name}__")
    foreign = [t for t in manifest.append_only if not t.startswith(manifest.prefix)]
    if foreign:
        raise PluginLoadError(f"{name}: append_only names tables outside its prefix {manifest.prefix}: "
                              f"{', '.join(foreign)}")
    return manifest


def _dependency_order(found: dict[str, tuple], failed: list[FailedPlugin]) -> list[str]:
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> bool:
        if state.get(name) == "done":
            return True
        if name in chain:
            failed.append(FailedPlugin(name, f"dependency cycle: {' → '.join((*chain, name))}"))
            return False
        if name not in found:
            return False
        for dep in found[name][1].depends:
            if not visit(dep, (*chain, name)):
                if dep not in found:
                    failed.append(FailedPlugin(name, f"needs plugin {dep}, which is not installed or failed to load"))
                state[name] = "failed"
                return False
        state[name] = "done"
        ordered.append(name)
        return True

    for name in sorted(found):
        if state.get(name) != "failed":
            visit(name, ())
    return ordered


def load(strict: bool = True, safe_mode: bool = False, extra: dict | None = None) -> PluginRegistry:
    """Build the plugin manager: core modules first, then installed plugins in dependency order.

    ``extra`` maps names to already-imported plugin modules (tests register throwaway plugins).
    """
    import importlib
    pm = pluggy.PluginManager("jiceng")
    pm.add_hookspecs(hookspecs)
    for modname in CORE_PLUGINS:
        pm.register(importlib.import_module(modname), name=modname)
    registry = PluginRegistry(pm=pm, core_names=frozenset(CORE_PLUGINS))
    blocked = {n for n in os.environ.get("JICENG_PLUGINS_BLOCKED", "").split(",") if n}
    only = {n for n in os.environ.get("JICENG_PLUGINS_ONLY", "").split(",") if n}

    def fail(name: str, reason: str) -> None:
        if strict:
            raise PluginLoadError(reason)
        log.error("plugin %s skipped: %s", name, reason)
        registry.failed.append(FailedPlugin(name, reason))

    candidates: list[tuple[str, object]] = [(ep.name, ep) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    candidates += list((extra or {}).items())
    found: dict[str, tuple] = {}
    for name, source in candidates:
        if name in blocked or (only and name not in only):
            continue
        first_party = getattr(source, "value", "").startswith("plugins.") if hasattr(source, "value") else False
        if safe_mode and not first_party:
            registry.failed.append(FailedPlugin(name, "safe mode: only first-party plugins load"))
            continue
        if name in found:
            fail(name, f"{name}: two plugins share this name")
            continue
        try:
            module = source.load() if hasattr(source, "load") else source
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the app
            fail(name, f"{name}: import failed: {''.join(traceback.format_exception_only(exc)).strip()}")
            continue
        try:
            manifest = _check(name, module, first_party)
        except PluginLoadError as exc:
            fail(name, str(exc))
            continue
        found[name] = (module, manifest, first_party)
    deps_failed: list[FailedPlugin] = []
    for name in _dependency_order(found, deps_failed):
        module, manifest, first_party = found[name]
        pm.register(module, name=name)
        registry.plugins[name] = LoadedPlugin(manifest, module, first_party)
    for item in deps_failed:
        fail(item.name, item.reason)
    pm.hook.register_hookspecs.call_historic(kwargs={"pm": pm})
    while True:
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin)
            if strict or name in registry.core_names:
                raise
            pm.unregister(exc.plugin)
            registry.plugins.pop(name, None)
            registry.failed.append(FailedPlugin(name, f"unknown hook: {exc}"))
    _collect_registrations(registry, fail)
    global _registry
    _registry = registry
    return registry


def _collect_registrations(registry: PluginRegistry, fail) -> None:
    pm = registry.pm
    for impl in pm.hook.register_permissions.get_hookimpls():
        try:
            perms = impl.function() or []
        except Exception as exc:  # noqa: BLE001
            fail(impl.plugin_name, f"{impl.plugin_name}: register_permissions failed: {exc}")
            continue
        prefix = "core." if impl.plugin_name in registry.core_names else f"{impl.plugin_name}."
        for perm in perms:
            if not perm.code.startswith(prefix):
                fail(impl.plugin_name, f"{impl.plugin_name}: permission {perm.code} must start with {prefix}")
                continue
            registry.permissions.append(perm)
    for impl in pm.hook.register_event_types.get_hookimpls():
        for event_type in impl.function() or []:
            if not event_type.name.startswith(f"{impl.plugin_name}."):
                fail(impl.plugin_name, f"{impl.plugin_name}: event {event_type.name} must start with its name")
                continue
            registry.event_types[event_type.name] = event_type
    for impl in pm.hook.register_audit_labels.get_hookimpls():
        for action, text in (impl.function() or {}).items():
            if not action.startswith(f"{impl.plugin_name}."):
                fail(impl.plugin_name, f"{impl.plugin_name}: audit action {action} must start with its name")
                continue
            registry.audit_labels[action] = text
    for impl in pm.hook.register_jobs.get_hookimpls():
        for job in impl.function() or []:
            registry.jobs.append((impl.plugin_name, job))


def registry() -> PluginRegistry:
    """The registry of the current application (tests run several apps side by side)."""
    from flask import current_app, has_app_context
    if has_app_context() and "jiceng.plugins" in current_app.extensions:
        return current_app.extensions["jiceng.plugins"]
    if _registry is None:
        return load()
    return _registry


def hooks_for(enabled: frozenset[str]) -> GatedHooks:
    return registry().relay(enabled)


def is_first_party(module) -> bool:
    path = Path(getattr(module, "__file__", "") or "").resolve()
    return REPO_PLUGINS in path.parents
