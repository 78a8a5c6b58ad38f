"""A street with a community, two compounds served by a grid each, a third compound, three property
companies (one market, one fallback, one public-welfare), their staff accounts, the community's staff,
grid workers and residents; the module on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from core.api import db
from core.tenancy import tenant_scope
from core.testing.factories import login


@dataclass
class PropertyWorld:
    street: object
    community: object
    compounds: list
    grids: list
    companies: dict
    admin: object
    staff: object
    provider: object        # staff of the market company (serves compound 0)
    other_provider: object  # staff of the fallback company (serves compound 1)
    worker: object          # grid worker of compound 0's grid
    other_worker: object    # grid worker of compound 1's grid
    resident: object
    clerk: object


@pytest.fixture
def pw(app, create_tenant, create_unit, create_user, enable_plugin):
    street = create_tenant(name="物业街道")
    community = create_unit(street, street.root_id, "community", "河西社区")
    compounds = [create_unit(street, community.id, "compound", name) for name in ("阳光花园", "矿工新村", "东城小区")]
    grids = [create_unit(street, community.id, "grid", f"第{i + 1}网格", grid_type="residential",
                         compounds=[compounds[i].code]) for i in range(2)]
    enable_plugin(street, "property")
    admin = create_user(street, "tenant_admin")
    provider = create_user(street, "resident", unit_id=compounds[0].id)
    other_provider = create_user(street, "resident", unit_id=compounds[1].id)
    from plugins.property.services import coverage, registry
    with app.app_context(), tenant_scope(street.id, user_id=admin.id):
        from core.api import org_unit
        companies = {}
        for key, name, kind, uscc in (("market", "安居物业服务有限公司", "market", "91340404MA2T00001X"),
                                      ("fallback", "城投物业服务有限公司", "soe_fallback", "91340404MA2T00002X"),
                                      ("welfare", "红色公益物业服务中心", "public_welfare", "91340404MA2T00003X")):
            companies[key] = registry.add_company({"name": name, "uscc": uscc, "kind": kind}).id
        from plugins.property.models import PropertyCompany
        units = [org_unit(c.id) for c in compounds]
        for unit, households in zip(units, (300, 200, 100)):
            registry.save_profile(unit, {"households": households, "area_m2": households * 90})
        coverage.add_period(units[0], {"mode": "professional", "provider_id": companies["market"],
                                       "starts_on": date(2020, 1, 1), "ends_on": None, "households_covered": 300})
        coverage.add_period(units[1], {"mode": "fallback", "provider_id": companies["fallback"],
                                       "starts_on": date(2020, 1, 1), "ends_on": None, "households_covered": 200})
        coverage.add_period(units[2], {"mode": "professional", "provider_id": companies["market"],
                                       "starts_on": date(2020, 1, 1), "ends_on": date(2099, 12, 31)})
        registry.add_staff(db.session.get(PropertyCompany, companies["market"]), provider.username, "客服")
        registry.add_staff(db.session.get(PropertyCompany, companies["fallback"]), other_provider.username, "客服")
        db.session.commit()
    return PropertyWorld(street, community, compounds, grids, companies, admin=admin,
                         staff=create_user(street, "community_staff", unit_id=community.id),
                         provider=provider, other_provider=other_provider,
                         worker=create_user(street, "grid_worker", unit_id=grids[0].id),
                         other_worker=create_user(street, "grid_worker", unit_id=grids[1].id),
                         resident=create_user(street, "resident", unit_id=grids[0].id),
                         clerk=create_user(street, "intake_clerk", unit_id=community.id))


def client_for(app, account):
    c = app.test_client()
    login(c, account)
    return c


def in_tenant(pw, user=None):
    return tenant_scope(pw.street.id, user_id=(user or pw.admin).id)


def url(pw, path=""):
    return f"/t/{pw.street.slug}/property{path}"


def category_id(app, pw, code="LIGHTING"):
    from sqlalchemy import select

    from plugins.property.models import TicketCategory
    with app.app_context(), in_tenant(pw):
        return db.session.scalar(select(TicketCategory.id).where(TicketCategory.code == code))


def report(app, pw, account=None, compound=0, code="LIGHTING", **extra):
    """A ticket reported on the page (the resident's own by default); returns its id."""
    from core.testing.factories import post
    c = client_for(app, account or pw.resident)
    resp = post(c, url(pw, "/tickets/new"), {"compound_id": pw.compounds[compound].id,
                                             "category_id": category_id(app, pw, code),
                                             "description": extra.pop("description", "3栋楼道灯不亮"), **extra})
    assert resp.status_code == 303, resp.text[:800]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def act(app, pw, account, ticket_id, action, **data):
    from core.testing.factories import post
    resp = post(client_for(app, account), url(pw, f"/tickets/{ticket_id}/act/{action}"), data)
    settle(app, pw)
    return resp


def ticket_row(app, pw, ticket_id):
    from plugins.property.models import Ticket
    with app.app_context(), in_tenant(pw):
        t = db.session.get(Ticket, ticket_id)
        db.session.expunge(t)
        return t


def settle(app, pw):
    """Deliver every event the street's outbox still holds, and what their subscribers announce in turn."""
    from datetime import timedelta

    from core.api import clock
    from core.events.dispatch import sweep
    with app.app_context():
        for _ in range(6):
            if not sweep(now=clock.utcnow() + timedelta(hours=1), tenants=[pw.street.id]):
                break
