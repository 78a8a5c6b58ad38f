"""A small world for the isolation suite: district D over street A, street B, unrelated street C."""
from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class World:
    a: object
    b: object
    c: object
    d: object
    rows: dict  # tenant slug -> {model: id}
    admin_a: object
    admin_b: object
    admin_d: object


@pytest.fixture
def world(app, create_tenant, create_unit, create_person, create_user):
    """Every tenant model has a row in each tenant, made by the factories of ``core.testing.rows``."""
    from core.testing.rows import fill_tenant
    d = create_tenant("district")
    a = create_tenant("street", parent=d)
    b = create_tenant("street")
    c = create_tenant("street", parent=d)
    admins = {t.slug: create_user(t, "tenant_admin") for t in (a, b, d)}
    from core.plugins import admin
    from core.tenancy import tenant_scope
    for t in (a, b, c, d):  # every installed plugin on, so its routes are really swept
        for name in app.extensions["jiceng.plugins"].plugins:
            with app.app_context(), tenant_scope(t.id):
                admin.enable(t.id, name, by_district=True)
    rows = {t.slug: fill_tenant(app, t, admins.get(t.slug)) for t in (a, b, c, d)}
    return World(a, b, c, d, rows, admins[a.slug], admins[b.slug], admins[d.slug])
