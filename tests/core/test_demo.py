"""The demo district reproduces the seed article's figures (seed facts §2.2, §2.3)."""
from __future__ import annotations

import re
from collections import Counter
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from core.db import db
from core.demo import DEMO_PASSWORD
from core.org.models import CentralHouseholdLink, OrgUnit, PartyOrg, Person
from core.tenancy import tenant_scope
from core.tenancy.models import Tenant
from core.testing.factories import csrf_token
from core.testing.html import texts

STREETS = ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan", "xjj-lixin")


@pytest.fixture(scope="module")
def demo(app):
    runner = app.test_cli_runner()
    # 130 households a grid (the demo uses 250–450) keeps the run short and still seats 1,150
    # central households.
    result = runner.invoke(args=["demo", "load", "--households", "130-130"])
    assert result.exit_code == 0, result.output
    return result.output


def street_ids(app):
    with app.app_context():
        return {t.slug: t.id for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(STREETS)))}


def across_streets(app, fn):
    total = Counter()
    for tid in street_ids(app).values():
        with app.app_context(), tenant_scope(tid, commit=False):
            total.update(fn())
    return total


def test_tenants_are_the_district_and_five_streets(app, demo):
    with app.app_context():
        district = db.session.scalars(select(Tenant).where(Tenant.slug == "xiejiaji")).one()
        streets = db.session.scalars(select(Tenant).where(Tenant.parent_id == district.id)).all()
    assert district.kind == "district" and district.is_demo
    assert sorted(s.slug for s in streets) == sorted(STREETS) and all(s.is_demo for s in streets)


def test_the_district_rollup_shows_the_articles_counts(app, demo):
    client = app.test_client()
    client.post("/login", data={"username": "district-admin", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    resp = client.get("/t/xiejiaji/org/overview")
    assert resp.status_code == HTTPStatus.OK
    cells = [int(c) for c in texts(resp.text, 'tr[data-street="total"] > td')]
    # 大党工委, communities, compounds, grids, exclusive grids, resident units
    assert cells[:6] == [5, 37, 128, 286, 3, 111]


def test_people_match_the_cadre_and_party_figures(app, demo):
    def counts():
        tags = Counter()
        for person in db.session.scalars(select(Person)):
            tags.update(person.tags)
            if person.mgmt_category:
                tags[person.mgmt_category] += 1
        return tags
    total = across_streets(app, counts)
    assert total["两委"] == 269 and total["大专及以上"] == 215
    assert total["社区书记"] == 37 and total["一肩挑"] == 23 and total["年轻干部"] == 22
    assert total["网格长"] == 286 and total["专职网格员"] == 283 and total["专属网格员"] == 3
    assert total["受理员"] == 37 and total["执法联络员"] == 15
    assert (total["直管"], total["双重管"], total["接管"], total["参管"], total["统管"]) == (3100, 2046, 2400, 310, 140)


def test_central_households_keep_five_to_fifteen_households(app, demo):
    def counts():
        central = db.session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.is_central_household))
        links = Counter(db.session.scalars(select(CentralHouseholdLink.central_household_id)))
        joint = db.session.scalar(select(func.count()).select_from(PartyOrg).where(PartyOrg.kind == "联合党组织"))
        return {"central": central, "bad_band": sum(1 for n in links.values() if not 5 <= n <= 15), "joint": joint}
    total = across_streets(app, counts)
    assert total["central"] == 1150 and total["bad_band"] == 0 and total["joint"] == 37


def test_demo_names_and_phones_are_obviously_fake(app, demo):
    def check():
        bad = 0
        for name, phone, id_number in db.session.execute(select(Person.name, Person.phone, Person.id_number)):
            bad += not re.fullmatch(r"[\u4e00-\u9fff][甲乙丙丁戊己庚辛壬癸]\d\d", name)
            bad += not (phone or "").startswith("100") or id_number is not None
        return {"bad": bad}
    assert across_streets(app, check)["bad"] == 0


def test_loading_again_changes_nothing(app, demo):
    def counts():
        return {"units": db.session.scalar(select(func.count()).select_from(OrgUnit)),
                "people": db.session.scalar(select(func.count()).select_from(Person))}
    before = across_streets(app, counts)
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130"])
    assert result.exit_code == 0 and "already filled" in result.output
    assert across_streets(app, counts) == before


def test_production_refuses_to_serve_a_demo_tenant(app, database, demo):
    from core.testing import build_app
    prod = build_app(database, PRODUCTION=True, ENV_NAME="production", SECRET_KEY="k" * 40)
    client = prod.test_client()
    client.post("/login", data={"username": "street-admin", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    assert client.get("/t/xjj-xiejiaji/").status_code == HTTPStatus.NOT_FOUND


def test_production_refuses_a_default_or_short_secret_key(database):
    from core.testing import build_app
    for key in ("dev-only-secret-key-change-me-0000000", "short"):
        with pytest.raises(RuntimeError, match="JICENG_SECRET_KEY"):
            build_app(database, PRODUCTION=True, SECRET_KEY=key)
