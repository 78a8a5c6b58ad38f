"""你好笔记: manifest and hook implementations only (no logic, no database at import)."""
from __future__ import annotations

from core.api import hookimpl, NavItem, Permission, PluginManifest, register_model_converters, Widget

MANIFEST = PluginManifest(
    name="hello",
    title="你好笔记",
    description="记录并查看你好笔记的笔记。",
    version="0.1.0",
    migrations="jiceng_hello:migrations",
    requires_core=">=1.0,<2",
    requires_core_revision="c0002",
    settings_schema="jiceng_hello.schemas:Settings",
)


@hookimpl
def register_blueprints(app):
    from .models import Note
    from .views import bp
    register_model_converters(app, hello_note=Note)
    return [bp]


@hookimpl
def register_permissions():
    return [Permission("hello.view", "查看你好笔记", ("tenant_admin", "street_staff", "community_staff")),
            Permission("hello.edit", "编辑你好笔记", ("tenant_admin", "street_staff"))]


@hookimpl
def nav_items(ctx):
    return [NavItem("service", "你好笔记", "hello.notes", "hello.view", order=50)]


@hookimpl
def dashboard_widgets(ctx):
    return [Widget("hello-latest", "你好笔记", "hello.widget", "hello.view", order=50)]
