"""With Redis configured, a district's 物业覆盖 rollup shares its figures between hosts for
``ROLLUP_CACHE_SECONDS`` (the same page as computed), each look still audited; each district has
figures of its own. Real Redis, on a test database of its own."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditLog
from core.db import db
from core.tenancy import tenant_scope
from core.testing import build_app, redis_database
from core.testing.html import select_one, texts

from .conftest import client_for


@pytest.fixture(scope="module")
def redis_url():
    with redis_database() as url:
        yield url


def street_with_compounds(app, create_tenant, create_unit, create_user, enable_plugin, district, name, compounds):
    """A street of ``district`` whose first compound is covered by a company, the others not."""
    street = create_tenant("street", parent=district, name=name)
    community = create_unit(street, street.root_id, "community", f"{name}社区")
    units = [create_unit(street, community.id, "compound", n) for n in compounds]
    enable_plugin(street, "property")
    from core.api import org_unit
    from plugins.property.services import coverage, registry
    admin = create_user(street, "tenant_admin")
    with app.app_context(), tenant_scope(street.id, user_id=admin.id):
        company = registry.add_company({"name": f"{name}物业", "uscc": "91340404MA2T00009X", "kind": "market"})
        for c in units:
            registry.save_profile(org_unit(c.id), {"households": 100})
        coverage.add_period(org_unit(units[0].id), {"mode": "professional", "provider_id": company.id,
                                                    "starts_on": date(2020, 1, 1), "ends_on": None})
    return street, community


def test_the_district_coverage_is_shared_briefly_per_district_and_every_look_audited(
        app, database, redis_url, create_tenant, create_unit, create_user, enable_plugin):
    import redis as client
    r = client.Redis.from_url(redis_url)
    one, two = (build_app(database, REDIS_URL=redis_url, ROLLUP_CACHE_SECONDS=60) for _ in range(2))
    east, west = create_tenant("district", name="东区"), create_tenant("district", name="西区")
    enable_plugin(east, "property")
    enable_plugin(west, "property")
    a, community = street_with_compounds(app, create_tenant, create_unit, create_user, enable_plugin, east, "甲街道",
                                         ("甲一小区", "甲二小区"))
    street_with_compounds(app, create_tenant, create_unit, create_user, enable_plugin, west, "丙街道",
                          ("丙一小区", "丙二小区", "丙三小区", "丙四小区"))
    east_admin, west_admin = create_user(east, "tenant_admin"), create_user(west, "tenant_admin")

    def page(host, district=east, account=east_admin) -> str:
        resp = client_for(host, account).get(f"/t/{district.slug}/property/rollup")
        assert resp.status_code == 200, resp.text[:300]
        return resp.text

    def looks() -> int:
        with app.app_context(), tenant_scope(east.id, commit=False):
            return db.session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "district.rollup", AuditLog.detail["endpoint"].as_string() == "property.rollup"))

    fresh, first = page(app), page(one)  # without Redis, then into the cache
    cached = page(two)
    for part in ('[data-testid="figures"]', '[data-testid="streets"]'):
        assert str(select_one(cached, part)) == str(select_one(fresh, part)) == str(select_one(first, part))
    assert "50.0%" in texts(cached, '[data-testid="figures"] strong') and "甲二小区" in cached
    west_page = page(two, west, west_admin)
    assert "25.0%" in texts(west_page, '[data-testid="figures"] strong') and "甲二小区" not in west_page
    keys = r.keys("jiceng:cache:*")
    assert {k.decode().split(":")[2] for k in keys} == {f"t{east.id}", f"t{west.id}"}

    before = looks()
    create_unit(a, community.id, "compound", "甲三小区")
    assert "甲三小区" not in page(one), "both hosts read the shared figures until they expire"
    assert looks() == before + 1, "a look served from the cache is audited all the same"
    r.delete(*r.keys(f"jiceng:cache:t{east.id}:*"))  # as when they expire
    assert "甲三小区" in page(two) and "33.3%" in texts(page(one), '[data-testid="figures"] strong')
    r.close()
