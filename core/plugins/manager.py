"""The pluggy manager: core's own modules register as internal plugins, others via entry points.

Collect hooks run each implementation in its own ``try``, so one plugin's bug costs its own
items, not the page. Per-tenant gating hands each context a relay built with
``subset_hook_caller`` that leaves out plugins the tenant has not enabled.
"""
from __future__ import annotations

import functools
import logging
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

from . import hookspecs

log = logging.getLogger(__name__)

CORE_PLUGINS = ("core.ui.plugin", "core.org.plugin", "core.auth.plugin")


@dataclass(frozen=True)
class NavItem:
    group: str  # work | service | participate | admin
    label: object
    endpoint: str
    permission: str
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class Widget:
    name: str
    title: object
    endpoint: str
    permission: str
    order: int = 100


@dataclass
class FailedPlugin:
    name: str
    reason: str


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    core_names: frozenset[str]
    failed: list[FailedPlugin] = field(default_factory=list)
    permissions: list = field(default_factory=list)
    _relays: dict = field(default_factory=dict)

    def relay(self, enabled: frozenset[str]) -> "GatedHooks":
        relay = self._relays.get(enabled)
        if relay is None:
            relay = self._relays[enabled] = GatedHooks(self, enabled)
        return relay


class GatedHooks:
    """``ctx.hooks.collect("nav_items", ctx=ctx)`` runs core and the tenant's enabled plugins only."""

    def __init__(self, registry: PluginRegistry, enabled: frozenset[str]):
        pm = registry.pm
        off = [p for n, p in pm.list_name_plugin() if p and n not in registry.core_names and n not in enabled]
        self._pm = pm
        self._off = off
        self._caller = functools.cache(lambda hook: pm.subset_hook_caller(hook, remove_plugins=off))

    def __getattr__(self, hook: str):
        return self._caller(hook)

    def collect(self, hook: str, **kwargs) -> list:
        """Call every implementation separately; a failing one is logged and yields nothing."""
        items: list = []
        for impl in reversed(self._caller(hook).get_hookimpls()):
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception:  # noqa: BLE001 - isolation is the point
                log.exception("plugin %s failed in hook %s", impl.plugin_name, hook)
                continue
            if result:
                items.extend(result)
        return items


_registry: PluginRegistry | None = None


def load(strict: bool = True, safe_mode: bool = False) -> PluginRegistry:
    """Build the plugin manager: core modules first, then installed plugins."""
    import importlib
    pm = pluggy.PluginManager("jiceng")
    pm.add_hookspecs(hookspecs)
    core_names = []
    for modname in CORE_PLUGINS:
        pm.register(importlib.import_module(modname), name=modname)
        core_names.append(modname)
    failed = []
    for ep in entry_points(group="jiceng.plugins"):
        if safe_mode and not ep.value.startswith("plugins."):
            continue
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the app
            if strict:
                raise
            failed.append(FailedPlugin(ep.name, "".join(traceback.format_exception_only(exc)).strip()))
            log.error("plugin %s skipped: %s", ep.name, exc)
    pm.check_pending()
    global _registry
    _registry = PluginRegistry(pm=pm, core_names=frozenset(core_names), failed=failed)
    for perms in pm.hook.register_permissions():
        _registry.permissions.extend(perms or [])
    return _registry


def registry() -> PluginRegistry:
    if _registry is None:
        return load()
    return _registry


def hooks_for(enabled: frozenset[str]) -> GatedHooks:
    return registry().relay(enabled)
