"""A street with a community, two compounds, a fallback and a market company, a fallback period and the
¥10 per household-month standard; and the people who compute, review, approve and disburse."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from core.db import db
from core.tenancy import tenant_scope


@dataclass
class MoneyWorld:
    street: object
    community: object
    compound: object
    other: object
    fallback_id: int
    market_id: int
    admin: object
    reviewer: object
    approver: object


def in_tenant(app, tenant, fn, user_id=None):
    """Run ``fn()`` in the tenant's scope (with the user's grants) and commit; returns its result."""
    with app.app_context(), tenant_scope(tenant.id, user_id=user_id):
        if user_id is not None:
            from tests.plugins.volunteer.parallel_work import with_grants
            with_grants(user_id)
        return fn()


@pytest.fixture
def mw(app, create_tenant, create_unit, create_user, enable_plugin):
    street = create_tenant(name="平山街道")
    community = create_unit(street, street.root_id, "community", "河西社区")
    compound = create_unit(street, community.id, "compound", "河西第1小区")
    other = create_unit(street, community.id, "compound", "河西第2小区")
    enable_plugin(street, "property")

    def setup():
        from plugins.property.models import CompoundProfile, CoveragePeriod, PropertyCompany
        from plugins.property.services import subsidy
        f = PropertyCompany(name="城投物业服务有限公司", uscc="913404040000000010", kind="soe_fallback")
        m = PropertyCompany(name="安居物业服务有限公司", uscc="913404040000000020", kind="market")
        db.session.add_all([f, m])
        db.session.flush()
        db.session.add_all([CompoundProfile(compound_id=compound.id, type="老旧小区", households=320, area_m2=24000),
                            CompoundProfile(compound_id=other.id, type="商品房", households=500, area_m2=50000),
                            CoveragePeriod(compound_id=compound.id, mode="fallback", provider_id=f.id,
                                           starts_on=date(2024, 1, 1), households_covered=300),
                            CoveragePeriod(compound_id=other.id, mode="professional", provider_id=m.id,
                                           starts_on=date(2024, 1, 1), households_covered=500)])
        subsidy.add_standard({"mode": "fallback", "provider_kind": "", "basis": "per_household_month",
                              "rate_fen": 1000, "effective_from": date(2020, 1, 1)})
        db.session.flush()
        return f.id, m.id
    fallback_id, market_id = in_tenant(app, street, setup)
    return MoneyWorld(street, community, compound, other, fallback_id, market_id,
                      admin=create_user(street, "tenant_admin"),
                      reviewer=create_user(street, "community_staff", unit_id=community.id),
                      approver=create_user(street, "street_staff"))


def confirmed(mw, month: date, composite: str, compound=None, provider_id=None, version: int = 1,
              supersedes_id=None) -> int:
    """A confirmed assessment with this composite (as if the panel scored it and the street confirmed it)."""
    from plugins.property.models import Assessment
    from plugins.property.services import assessment
    from plugins.property.services.money import e4
    scheme = assessment.default_scheme()
    a = Assessment(compound_id=(compound or mw.compound).id, provider_id=provider_id or mw.fallback_id, month=month,
                   scheme_id=scheme.id, inspection_e4=e4(composite), composite_e4=e4(composite), state="confirmed",
                   version=version, supersedes_id=supersedes_id)
    db.session.add(a)
    db.session.flush()
    return a.id
