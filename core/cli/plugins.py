"""``jiceng plugins``: what is installed, per-tenant state, and a new plugin to start from."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import fail


@click.group("plugins")
def plugins_group():
    """Plugins."""


@plugins_group.command("list")
@click.option("--tenant", "tenant_slug", default=None)
@with_appcontext
def list_cmd(tenant_slug):
    """Installed plugins, versions, and where they are switched on."""
    from ..plugins.manager import registry
    from ..tenancy.models import Tenant, TenantPlugin
    from ..tenancy.scopes import system_scope
    reg = registry()
    with system_scope("plugins list") as session:
        stmt = select(Tenant.slug, TenantPlugin.plugin).join(Tenant, Tenant.id == TenantPlugin.tenant_id).where(
            TenantPlugin.enabled.is_(True))
        if tenant_slug:
            stmt = stmt.where(Tenant.slug == tenant_slug)
        on: dict[str, list[str]] = {}
        for slug, plugin in session.execute(stmt):
            on.setdefault(plugin, []).append(slug)
    for name, loaded in reg.plugins.items():
        origin = "first-party" if loaded.first_party else "third-party"
        click.echo(f"{name}\t{loaded.manifest.version}\t{origin}\tenabled: {', '.join(sorted(on.get(name, []))) or '-'}")
    for failed in reg.failed:
        click.echo(f"{failed.name}\tSKIPPED\t{failed.reason}")


@plugins_group.command("new")
@click.argument("name")
@click.option("--path", "path", required=True, type=click.Path(file_okay=False))
@click.option("--title", default=None, help="the name staff see, e.g. 楼道长")
def new_cmd(name, path, title):
    """Scaffold a working plugin package (model, page, htmx fragment, widget, migration, tests)."""
    from ..plugins.scaffold import new_plugin
    try:
        files = new_plugin(name, Path(path), title)
    except (ValueError, FileExistsError) as err:
        fail(str(err))
    click.echo(f"wrote {len(files)} files to {path}")
    click.echo(f"next: pip install -e {path} && jiceng db upgrade, restart the server, enable it on 模块管理")


def _toggle(name, tenant_slug, on: bool):
    from ..db import db
    from ..plugins import admin
    from ..tenancy.models import Tenant
    from ..tenancy.scopes import tenant_scope
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == tenant_slug)).first()
    if tenant is None:
        fail(f"no tenant {tenant_slug}")
    tenant_id = tenant.id
    db.session.remove()
    try:
        with tenant_scope(tenant_id):
            (admin.enable if on else admin.disable)(tenant_id, name)
    except admin.PluginRefused as err:
        fail(str(err))
    click.echo(f"{name} {'enabled' if on else 'disabled'} for {tenant_slug}")


@plugins_group.command("enable")
@click.argument("name")
@click.option("--tenant", "tenant_slug", required=True)
@with_appcontext
def enable_cmd(name, tenant_slug):
    _toggle(name, tenant_slug, True)


@plugins_group.command("disable")
@click.argument("name")
@click.option("--tenant", "tenant_slug", required=True)
@with_appcontext
def disable_cmd(name, tenant_slug):
    _toggle(name, tenant_slug, False)


@plugins_group.command("events")
@click.option("--markdown", is_flag=True, help="the catalogue as Markdown (core/plugins/EVENTS.md)")
@with_appcontext
def events_cmd(markdown):
    """Every event type the installed plugins emit: name, plugin, fields and types, when."""
    from ..events import catalogue
    from ..plugins.manager import registry
    types = registry().event_types
    click.echo(catalogue.markdown(types) if markdown else catalogue.plain(types), nl=not markdown)
