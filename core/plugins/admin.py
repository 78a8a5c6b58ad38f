"""Switch plugins on and off per tenant, save their settings, purge their data.

Each change is one transaction in the tenant's context: the ``tenant_plugin`` row, the plugin's
own hook, ``plugins_rev + 1`` and an audit row succeed or fail together. No DDL ever runs here.
"""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import delete, select, update

from .. import clock
from ..audit import service as audit
from ..db import db
from ..tenancy.context import current
from ..tenancy.models import Tenant, TenantPlugin
from . import settings as plugin_settings
from .manager import registry
from .state import enabled_for


class PluginRefused(ValueError):
    """The change cannot be made; the message says why, for the page."""


def _manifest(name: str):
    loaded = registry().plugins.get(name)
    if loaded is None:
        raise PluginRefused(_("没有安装模块 %(n)s", n=name))
    return loaded.manifest


def _row(tenant_id: int, name: str) -> TenantPlugin | None:
    return db.session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id,
                                                        TenantPlugin.plugin == name)).first()


def _bump(tenant_id: int) -> None:
    db.session.execute(update(Tenant).where(Tenant.id == tenant_id).values(plugins_rev=Tenant.plugins_rev + 1))


def _tenant(tenant_id: int) -> Tenant:
    return db.session.get(Tenant, tenant_id)


def enabled_now(tenant) -> frozenset[str]:
    """What is switched on now, a switch earlier in this transaction included (``tenant``: a row or
    the request's read-only ``g.tenant``)."""
    if isinstance(tenant, Tenant):
        db.session.refresh(tenant)
        return enabled_for(tenant.id, tenant.plugins_rev)
    return enabled_for(tenant.id, db.session.scalar(select(Tenant.plugins_rev).where(Tenant.id == tenant.id)))


def lock_of(tenant: Tenant, name: str) -> TenantPlugin | None:
    """The district's row when it locked this plugin on or off for its streets."""
    if not tenant.parent_id:
        return None
    row = _row(tenant.parent_id, name)
    return row if row is not None and row.locked_by else None


def enable(tenant_id: int, name: str, by_district: bool = False) -> None:
    """Switch a plugin on: dependencies first, a district lock respected, the plugin's hook called."""
    manifest = _manifest(name)
    tenant = _tenant(tenant_id)
    lock = lock_of(tenant, name)
    if lock is not None and not lock.enabled and not by_district:
        raise PluginRefused(_("区已锁定关闭此模块"))
    on = enabled_now(tenant)
    missing_deps = [d for d in manifest.depends if d not in on]
    if missing_deps:
        raise PluginRefused(_("请先启用它依赖的模块：%(d)s", d="、".join(missing_deps)))
    values, _source = plugin_settings.effective(tenant, manifest)
    schema = plugin_settings.schema_for(manifest)
    if schema is not None:
        errors = schema.validate(values)
        if errors:
            raise PluginRefused(_("设置不完整：%(f)s", f="、".join(errors)))
    row = _row(tenant_id, name) or TenantPlugin(tenant_id=tenant_id, plugin=name, settings={})
    row.enabled = True
    row.enabled_at = clock.utcnow()
    row.enabled_by = current().user_id
    db.session.add(row)
    from ..auth.services import seed_roles
    seed_roles(tenant_id)
    new_version = registry().call_for(name, "on_tenant_enable", tenant=tenant, settings=values,
                                      data_version=row.data_version)
    if new_version is not None:
        row.data_version = new_version
    _bump(tenant_id)
    audit.record("plugin.enable", "plugin", name, **({"by_district": True} if by_district else {}))
    db.session.flush()


def prepare(tenant_id: int, name: str) -> None:
    """Call an enabled plugin's ``on_tenant_enable`` again (it is idempotent), so it prepares data
    that was deleted under it, as a demo reset does."""
    manifest = _manifest(name)
    row = _row(tenant_id, name)
    if row is None or not row.enabled:
        return
    tenant = _tenant(tenant_id)
    values, _source = plugin_settings.effective(tenant, manifest)
    new_version = registry().call_for(name, "on_tenant_enable", tenant=tenant, settings=values,
                                      data_version=row.data_version)
    if new_version is not None:
        row.data_version = new_version
    db.session.flush()


def disable(tenant_id: int, name: str, by_district: bool = False) -> None:
    """Switch a plugin off; its data, settings and grants stay. Refused while another needs it."""
    _manifest(name)
    tenant = _tenant(tenant_id)
    lock = lock_of(tenant, name)
    if lock is not None and lock.enabled and not by_district:
        raise PluginRefused(_("区已锁定开启此模块"))
    on = enabled_now(tenant)
    needers = [n for n in on if name in registry().plugins[n].manifest.depends]
    if needers:
        raise PluginRefused(_("模块 %(n)s 依赖它，请先停用那个模块", n="、".join(sorted(needers))))
    row = _row(tenant_id, name)
    if row is None or not row.enabled:
        return
    registry().call_for(name, "on_tenant_disable", tenant=tenant)
    row.enabled = False
    _bump(tenant_id)
    audit.record("plugin.disable", "plugin", name, **({"by_district": True} if by_district else {}))
    db.session.flush()


def save_settings(tenant_id: int, name: str, form: dict) -> dict:
    """Validate and store a tenant's own settings; :raises ValidationError: with field messages."""
    manifest = _manifest(name)
    schema = plugin_settings.schema_for(manifest)
    if schema is None:
        return {}
    tenant = _tenant(tenant_id)
    old, _source = plugin_settings.effective(tenant, manifest)
    submitted = {k: v for k, v in form.items() if k in schema.fields and v != ""}
    unknown = set(form) - set(schema.fields)
    if unknown:
        raise ValidationError({k: [_("未知设置项")] for k in unknown})
    for fname, f in schema.fields.items():  # an unticked checkbox sends nothing
        if f.__class__.__name__ == "Boolean" and fname not in submitted:
            submitted[fname] = False
    data = schema.load(submitted)
    # only what the form changes becomes the tenant's own: a value left as the district set it (or as
    # the default) keeps following the district instead of being pinned by an unrelated save
    changed = {k: v for k, v in schema.dump(data).items() if k in submitted and v != old.get(k)}
    if not changed:
        return old
    row = _row(tenant_id, name) or TenantPlugin(tenant_id=tenant_id, plugin=name, settings={})
    row.settings = {**(row.settings or {}), **changed}
    db.session.add(row)
    _bump(tenant_id)
    new, _source = plugin_settings.effective(tenant, manifest)
    registry().call_for(name, "on_settings_changed", tenant=tenant, old=old, new=new)
    audit.record("plugin.settings", "plugin", name, fields=sorted(changed))
    db.session.flush()
    return new


def set_for_streets(district_id: int, name: str, enabled: bool, lock: bool) -> list[str]:
    """A district switches a plugin on or off for every street, optionally locking the choice.

    Each street changes in its own context, so every write still goes only to the tenant it
    belongs to; the district's own row records the lock.
    """
    from ..tenancy.services import acting_in
    district = _tenant(district_id)
    row = _row(district_id, name) or TenantPlugin(tenant_id=district_id, plugin=name, settings={})
    row.locked_by = district_id if lock else None
    row.enabled = enabled if lock else row.enabled
    db.session.add(row)
    _bump(district_id)
    audit.record("plugin.streets", "plugin", name, enabled=enabled, lock=lock)
    db.session.flush()
    done = []
    streets = db.session.scalars(select(Tenant).where(Tenant.parent_id == district.id, Tenant.status == "active")).all()
    user_id = current().user_id
    for street in streets:
        with acting_in(street.id, user_id):
            (enable if enabled else disable)(street.id, name, by_district=True)
        done.append(street.slug)
    return done


def purge(tenant_id: int, name: str) -> dict[str, int]:
    """Delete a disabled plugin's rows for this tenant, children before parents; settings reset."""
    manifest = _manifest(name)
    row = _row(tenant_id, name)
    if row is not None and row.enabled:
        raise PluginRefused(_("请先停用模块再清除数据"))
    tenant = _tenant(tenant_id)
    registry().call_for(name, "on_tenant_purge", tenant=tenant)
    counts: dict[str, int] = {}
    for table in _tables_children_first(manifest.prefix):
        counts[table.name] = db.session.execute(delete(table).where(table.c.tenant_id == tenant_id)
                                                .execution_options(tenant_checked=True)).rowcount
    if row is not None:
        row.settings, row.data_version, row.demo_filled_at = {}, None, None
    _bump(tenant_id)
    audit.record("plugin.purge", "plugin", name, rows=counts)
    db.session.flush()
    return counts


def _tables_children_first(prefix: str):
    return [t for t in reversed(db.metadata.sorted_tables) if t.name.startswith(prefix)]
