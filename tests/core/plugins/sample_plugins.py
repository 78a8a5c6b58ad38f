"""Throwaway plugins for the framework's own tests (registered with EXTRA_PLUGINS, not installed)."""
from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint

from core.auth.permissions import Permission
from core.events import Event
from core.events.jobs import JobSpec
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import NavItem, Widget
from core.plugins.manifest import PluginManifest

#: what the subscribers saw, per plugin: (event name, event id, tenant id)
SEEN: dict[str, list] = {"chatty": [], "flaky": []}
JOB_RUNS: list[int] = []
FLAKY = {"fail_times": 0}


@dataclass
class Chirped(Event):
    name = "chatty.chirped"
    text: str = ""


def make_chatty():
    m = types.ModuleType("chatty_plugin")
    m.MANIFEST = PluginManifest(name="chatty", title="啾啾", description="测试用模块")
    bp = Blueprint("chatty", __name__)

    @bp.get("/")
    def index():
        from core.auth.permissions import requires  # noqa: F401
        return "chatty page"

    @bp.post("/chirp")
    def chirp():
        from flask import request

        from core.db import db
        from core.events import emit
        emit(Chirped(text="hi"))
        if request.form.get("fail"):
            db.session.rollback()
            return "rolled back", 500
        db.session.commit()
        return "ok"

    @bp.get("/widget")
    def widget():
        return "<h2>啾啾卡片</h2>"

    class Impl:
        @hookimpl
        def register_blueprints(self, app):
            return [bp]

        @hookimpl
        def register_permissions(self):
            return [Permission("chatty.view", "查看啾啾", ("tenant_admin",))]

        @hookimpl
        def nav_items(self, ctx):
            return [NavItem("service", "啾啾导航", "chatty.index", "chatty.view")]

        @hookimpl
        def dashboard_widgets(self, ctx):
            return [Widget("chatty", "啾啾卡片", "chatty.widget", "chatty.view")]

        @hookimpl
        def register_event_types(self):
            return [Chirped]

        @hookimpl
        def on_event(self, event, ctx):
            SEEN["chatty"].append((event.name, event.id, ctx.active))

        @hookimpl
        def register_jobs(self):
            return [JobSpec("chatty.tidy", timedelta(hours=1), lambda ctx: JOB_RUNS.append(ctx.active))]

    impl = Impl()
    for name in ("register_blueprints", "register_permissions", "nav_items", "dashboard_widgets",
                 "register_event_types", "on_event", "register_jobs"):
        setattr(m, name, getattr(impl, name))
    return m


def make_flaky():
    """Subscribes to chatty's events and fails the first ``FLAKY['fail_times']`` deliveries."""
    m = types.ModuleType("flaky_plugin")
    m.MANIFEST = PluginManifest(name="flaky", title="不稳定", depends=("chatty",))

    @hookimpl
    def on_event(event, ctx):
        if FLAKY["fail_times"] > 0:
            FLAKY["fail_times"] -= 1
            raise RuntimeError("flaky subscriber")
        SEEN["flaky"].append((event.name, event.id, ctx.active))

    m.on_event = on_event
    return m


def make_broken():
    """Raises in every collect hook and in its event handler."""
    m = types.ModuleType("broken_plugin")
    m.MANIFEST = PluginManifest(name="broken", title="坏模块")

    def boom(*_a, **_k):
        raise RuntimeError("broken plugin")

    @hookimpl
    def nav_items(ctx):
        return boom()

    @hookimpl
    def dashboard_widgets(ctx):
        return boom()

    @hookimpl
    def render_slot(slot, ctx, obj):
        return boom()

    @hookimpl
    def on_event(event, ctx):
        return boom()

    m.nav_items, m.dashboard_widgets, m.render_slot, m.on_event = nav_items, dashboard_widgets, render_slot, on_event
    return m


def make_misspelled():
    m = types.ModuleType("typo_plugin")
    m.MANIFEST = PluginManifest(name="typo", title="拼错")

    @hookimpl
    def nav_itmes(ctx):  # misspelled on purpose
        return []

    m.nav_itmes = nav_itmes
    return m


def make_wrong_core():
    m = types.ModuleType("old_plugin")
    m.MANIFEST = PluginManifest(name="old", title="旧", requires_core=">=2.0")
    return m


class _BrokenImport:
    """Stands in for an entry point whose import raises."""

    def load(self):
        raise ImportError("No module named 'missing_dependency'")
