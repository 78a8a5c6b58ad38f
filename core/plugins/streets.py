"""A district's modules street by street: what each street has on, and the district's switch for one street.

The district reads its streets' ``tenant_plugin`` rows (readable up the chain) but writes each
street's row only in that street's own context, as row-level security requires.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..audit import service as audit
from ..db import db
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import admin
from .state import enabled_for


@dataclass(frozen=True)
class StreetState:
    """One street's state for one module: on or off, and whether the district locked it."""
    slug: str
    name: str
    enabled: bool
    locked: bool


def streets_of(district_id: int) -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).where(Tenant.parent_id == district_id, Tenant.status == "active")
                                   .order_by(Tenant.name, Tenant.id)))


def states(district: Tenant, names) -> dict[str, list[StreetState]]:
    """Per module, every active street's state: the table on the district's 模块管理."""
    streets = streets_of(district.id)
    on = {s.id: enabled_for(s.id, s.plugins_rev) for s in streets}
    out = {}
    for name in names:
        lock = admin._row(district.id, name)
        locked = lock is not None and lock.locked_by is not None
        out[name] = [StreetState(s.slug, s.name, name in on[s.id], locked) for s in streets]
    return out


def street_of(district_id: int, slug: str) -> Tenant | None:
    """The district's own active street at this address, or None (another district's street is not ours)."""
    return db.session.scalars(select(Tenant).where(Tenant.parent_id == district_id, Tenant.slug == slug,
                                                   Tenant.status == "active")).first()


def set_for_street(district_id: int, street: Tenant, name: str, enabled: bool) -> None:
    """The district switches one module on or off for one street, whatever the street may do itself.

    The street's own log records the change (in its context, with ``by_district``); the district's
    log records which street it changed. The street's ``plugins_rev`` is bumped, so every worker
    serves the street the new set on its next request.
    """
    from ..tenancy.services import acting_in
    if street.parent_id != district_id:
        raise admin.PluginRefused("not a street of this district")
    with acting_in(street.id, current().user_id):
        (admin.enable if enabled else admin.disable)(street.id, name, by_district=True)
    audit.record("plugin.street", "plugin", name, street=street.slug, enabled=enabled)
    db.session.flush()
