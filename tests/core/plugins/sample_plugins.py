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


def make_moody():
    """Gives a nav item, a widget and a page, hears every event, and raises in ``render_slot`` with
    personal data in the message."""
    m = types.ModuleType("moody_plugin")
    m.MANIFEST = PluginManifest(name="moody", title="情绪", description="测试用模块")
    bp = Blueprint("moody", __name__)

    @bp.get("/")
    def index():
        return "moody page"

    @bp.get("/widget")
    def widget():
        return "<h2>情绪卡片</h2>"

    @hookimpl
    def register_blueprints(app):
        return [bp]

    @hookimpl
    def register_permissions():
        return [Permission("moody.view", "查看情绪", ("tenant_admin",))]

    @hookimpl
    def nav_items(ctx):
        return [NavItem("service", "情绪导航", "moody.index", "moody.view")]

    @hookimpl
    def dashboard_widgets(ctx):
        return [Widget("moody", "情绪卡片", "moody.widget", "moody.view")]

    @hookimpl
    def render_slot(slot, ctx, obj):
        raise RuntimeError("moody slot failed for 王甲07, phone 13800001234, 'Room 5'")

    @hookimpl
    def on_event(event, ctx):
        SEEN.setdefault("moody", []).append((event.name, event.id, ctx.active))

    for name, fn in list(locals().items()):
        if hasattr(fn, "jiceng_impl"):
            setattr(m, name, fn)
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


CALLS: dict[str, list] = {}


def _record(hook, *args):
    CALLS.setdefault(hook, []).append(args)


class FullSettings:
    """Built lazily so importing this module stays cheap."""


def make_full():
    """Implements every hook, recording each call, for the hook-by-hook tests."""
    import click
    from marshmallow import Schema, fields
    from markupsafe import Markup

    from core.plugins.hookspecs import hookspec
    from core.plugins.manager import SearchHit, Tab

    m = types.ModuleType("full_plugin")

    class Settings(Schema):
        greeting = fields.String(load_default="你好", metadata={"label": "问候语", "inherit": True})
        limit = fields.Integer(load_default=3, metadata={"label": "上限"})

    m.Settings = Settings
    import sys
    sys.modules["full_plugin"] = m
    m.MANIFEST = PluginManifest(name="full", title="全钩子", settings_schema="full_plugin:Settings")
    bp = Blueprint("full", __name__)

    @bp.get("/")
    def index():
        return "full"

    class Specs:
        @hookspec
        def full_pinged(self, message):
            """A hook this plugin publishes for others."""

    @dataclass
    class Pinged(Event):
        name = "full.pinged"
        text: str = ""

    m.Pinged = Pinged

    @hookimpl
    def register_hookspecs(pm):
        pm.add_hookspecs(Specs)
        _record("register_hookspecs", pm)

    @hookimpl
    def register_blueprints(app):
        return [bp]

    @hookimpl
    def register_permissions():
        return [Permission("full.use", "使用全钩子", ("tenant_admin",))]

    @hookimpl
    def register_audit_labels():
        return {"full.pinged": "全钩子被呼叫"}

    @hookimpl
    def register_event_types():
        return [Pinged]

    @hookimpl
    def register_jobs():
        return [JobSpec("full.job", timedelta(minutes=5), lambda ctx: _record("job", ctx.active))]

    @hookimpl
    def register_cli_commands(cli):
        @cli.command("full-hello")
        def hello():
            click.echo("full says hello")

    @hookimpl
    def core_ready(app, registry):
        _record("core_ready", app.name, sorted(registry.plugins))

    @hookimpl
    def nav_items(ctx):
        return [NavItem("service", "全钩子导航", "full.index", "full.use")]

    @hookimpl
    def dashboard_widgets(ctx):
        return [Widget("full", "全钩子卡片", "full.index", "full.use")]

    @hookimpl
    def render_slot(slot, ctx, obj):
        if slot == "person.sidebar":
            return Markup("<p class='full-slot'>全钩子侧栏</p>")
        return "<b>escaped</b>" if slot == "dashboard.top" else None

    @hookimpl
    def object_tabs(kind, obj, ctx):
        return [Tab("full", f"全钩子标签-{kind}", "/x", "full.use")]

    @hookimpl
    def extend_payload(kind, obj, ctx):
        return {"seen": kind}

    @hookimpl
    def search(ctx, query, limit):
        return [SearchHit(f"全钩子结果 {query}", "/y", "full")] if query == "全钩子" else []

    @hookimpl
    def resolve_exporter(fmt, ctx):
        if fmt != "txt":
            return None
        from flask import Response
        return lambda c: Response(f"tenant {c.active}", mimetype="text/plain")

    @hookimpl
    def on_tenant_enable(tenant, settings, data_version):
        _record("on_tenant_enable", tenant.id, dict(settings), data_version)
        return (data_version or 0) + 1

    @hookimpl
    def on_tenant_disable(tenant):
        _record("on_tenant_disable", tenant.id)

    @hookimpl
    def on_tenant_purge(tenant):
        _record("on_tenant_purge", tenant.id)

    @hookimpl
    def on_settings_changed(tenant, old, new):
        _record("on_settings_changed", tenant.id, dict(old), dict(new))

    @hookimpl
    def demo_data(tenant, scale, window_end):
        _record("demo_data", tenant.slug, scale, window_end)

    @hookimpl
    def on_event(event, ctx):
        _record("on_event", event.name, event.text, ctx.active)

    @hookimpl
    def export_person(person, ctx):
        return {"full_note": f"about {person.id}"}

    @hookimpl
    def erase_person(person, ctx):
        _record("erase_person", person.id)

    for name, fn in list(locals().items()):
        if hasattr(fn, "jiceng_impl"):
            setattr(m, name, fn)
    return m
