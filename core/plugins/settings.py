"""Plugin settings: a marshmallow schema per plugin, inherited district → street."""
from __future__ import annotations

from marshmallow import Schema, fields, missing
from sqlalchemy import select

from ..db import db
from ..tenancy.models import Tenant, TenantPlugin


def schema_for(manifest) -> Schema | None:
    cls = manifest.schema_class()
    return cls() if cls else None


def defaults(schema: Schema) -> dict:
    out = {}
    for name, f in schema.fields.items():
        default = f.load_default
        if default is not missing:
            out[name] = default() if callable(default) else default
    return out


def _row(tenant_id: int, plugin: str) -> TenantPlugin | None:
    return db.session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id,
                                                        TenantPlugin.plugin == plugin)).first()


def effective(tenant: Tenant, manifest) -> tuple[dict, dict]:
    """The settings in force for ``tenant`` and where each came from (default, district, own)."""
    schema = schema_for(manifest)
    if schema is None:
        return {}, {}
    values = {k: v for k, v in defaults(schema).items()}
    source = {k: "default" for k in values}
    if tenant.parent_id:
        parent = _row(tenant.parent_id, manifest.name)
        for name, f in schema.fields.items():
            if parent and f.metadata.get("inherit") and name in (parent.settings or {}):
                values[name], source[name] = parent.settings[name], "district"
    own = _row(tenant.id, manifest.name)
    for name, value in ((own.settings or {}) if own else {}).items():
        if name in schema.fields:
            values[name], source[name] = value, "own"
    return values, source


def form_fields(schema: Schema) -> list[dict]:
    """Describe each field for the generated form: input type, label, help, secret."""
    out = []
    for name, f in schema.fields.items():
        kind = ("checkbox" if isinstance(f, fields.Boolean) else "number" if isinstance(f, (fields.Integer, fields.Float))
                else "select" if f.metadata.get("choices") else "text")
        out.append({"name": name, "type": kind, "label": f.metadata.get("label", name), "help": f.metadata.get("help"),
                    "secret": bool(f.metadata.get("secret")), "inherit": bool(f.metadata.get("inherit")),
                    "choices": f.metadata.get("choices", ()), "step": "any" if isinstance(f, fields.Float) else "1"})
    return out


def current_settings(plugin: str) -> dict:
    """The settings in force for the current tenant (district values and defaults applied)."""
    from ..tenancy.context import current
    from .manager import registry
    loaded = registry().plugins.get(plugin)
    if loaded is None:
        raise LookupError(f"no installed plugin {plugin}")
    tenant = db.session.get(Tenant, current().active)
    return effective(tenant, loaded.manifest)[0]


def current_settings_explained(plugin: str) -> tuple[dict, dict, dict]:
    """The settings in force, where each came from (default, district, own), and each field's label:
    for pages that show staff the rules they work under."""
    from ..tenancy.context import current
    from .manager import registry
    manifest = registry().plugins[plugin].manifest
    values, sources = effective(db.session.get(Tenant, current().active), manifest)
    schema = schema_for(manifest)
    labels = {name: f.metadata.get("label", name) for name, f in schema.fields.items()} if schema else {}
    return values, sources, labels
