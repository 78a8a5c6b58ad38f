"""The three lists and two-way claims: every transition and refusal, and the over-claim race with
parallel PROCESSES (exactly the capacity is claimed, never more) on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.api import db, Refused
from core.testing.factories import post

from .conftest import client_for, in_tenant, make_item, propose, race


def _item(app, dw, item_id):
    from plugins.discussion.models import Claim, Item
    with app.app_context(), in_tenant(app, dw):
        it = db.session.get(Item, item_id)
        claims = {c.id: c.state for c in db.session.scalars(select(Claim).where(Claim.item_id == item_id))}
        return it.state, it.claimed, claims


def test_staff_publish_a_demand_and_a_unit_claims_it_on_the_page(app, dw):
    c = client_for(app, dw.staff)
    resp = post(c, f"/t/{dw.street.slug}/discussion/cycles/{dw.cycle_id}/items",
                {"kind": "demand", "title": "独居老人助餐", "quantity": "5", "unit_of_measure": "人",
                 "category": "贴心服务"})
    assert resp.status_code == 303, resp.text[:500]
    page = c.get(resp.headers["Location"])
    assert "独居老人助餐" in page.text and "剩余 <span data-testid=\"remaining\">5</span>" in page.text
    item_url = resp.headers["Location"]
    resp = post(c, f"{item_url}/claim", {"unit_id": dw.units[0], "quantity": "2", "plan": "每周送餐"})
    assert resp.status_code == 303
    assert "淮南供电公司" in c.get(item_url).text and "待确认" in c.get(item_url).text


def test_bad_claims_answer_422_in_chinese_and_write_nothing(app, dw):
    item = make_item(app, dw, quantity=2)
    c = client_for(app, dw.staff)
    url = f"/t/{dw.street.slug}/discussion/items/{item}/claim"
    resp = post(c, url, {"unit_id": dw.units[0], "quantity": "0"})
    assert resp.status_code == 422 and "1–100000" in resp.text
    resp = post(c, url, {"unit_id": dw.units[0], "quantity": "3"})
    assert resp.status_code == 422 and "超过剩余数量" in resp.text
    assert _item(app, dw, item)[2] == {}
    resp = post(c, f"/t/{dw.street.slug}/discussion/cycles/{dw.cycle_id}/items", {"kind": "demand", "title": ""})
    assert resp.status_code == 422 and "必填项" in resp.text


def test_a_resident_cannot_publish_or_claim(app, dw):
    item = make_item(app, dw)
    c = client_for(app, dw.resident)
    assert post(c, f"/t/{dw.street.slug}/discussion/items/{item}/claim", {"unit_id": dw.units[0],
                                                                          "quantity": "1"}).status_code == 403
    assert c.get(f"/t/{dw.street.slug}/discussion/items/{item}").status_code == 200


def test_every_claim_transition_and_refusal(app, dw):
    from plugins.discussion.models import Claim, Item
    from plugins.discussion.services import lists
    item = make_item(app, dw, quantity=3)
    a = propose(app, dw, item, 0, 2)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        with pytest.raises(Refused, match="进行中的认领"):  # the mirror claim of the same unit
            lists.propose(db.session.get(Item, item), {"unit_id": dw.units[0], "quantity": 1})
    b = propose(app, dw, item, 1, 1)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        claim = db.session.get(Claim, a)
        with pytest.raises(Refused):
            lists.commit(claim, {"plan": "x", "committed_on": None})  # not confirmed yet
        lists.confirm(claim)
        assert db.session.get(Item, item).state == "partially_claimed"
        with pytest.raises(Refused):
            lists.confirm(claim)  # twice
        lists.decline(db.session.get(Claim, b), {"reason": "时间冲突"})
        from datetime import date
        lists.commit(claim, {"plan": "每月两次", "committed_on": date(2026, 12, 20)})
        lists.deliver(claim, {"evidence": "照片 3 张"})
        db.session.commit()
    with app.app_context(), in_tenant(app, dw, dw.chair):
        lists.verify(db.session.get(Claim, a))
        db.session.commit()
    state, claimed, claims = _item(app, dw, item)
    assert (state, claimed, claims) == ("partially_claimed", 2, {a: "verified", b: "declined"})
    c = propose(app, dw, item, 2, 1)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        lists.confirm(db.session.get(Claim, c))
        assert db.session.get(Item, item).state == "claimed"
        with pytest.raises(Refused, match="认领完毕"):
            lists.propose(db.session.get(Item, item), {"unit_id": dw.units[1], "quantity": 1})
        lists.withdraw(db.session.get(Claim, c), {"reason": "单位搬迁"})
        it = db.session.get(Item, item)
        assert (it.state, it.claimed) == ("partially_claimed", 2)
        db.session.commit()


def test_the_claimant_cannot_verify_their_own_claim(app, dw):
    from datetime import date

    from plugins.discussion.models import Claim
    from plugins.discussion.services import lists
    item = make_item(app, dw)
    a = propose(app, dw, item, 0)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        claim = db.session.get(Claim, a)
        lists.confirm(claim)
        lists.commit(claim, {"plan": "p", "committed_on": date(2026, 12, 1)})
        lists.deliver(claim, {"evidence": "e"})
        with pytest.raises(Refused, match="验收人不能是认领人"):
            lists.verify(claim)


def test_a_unit_cannot_claim_its_own_resource_and_a_leaving_unit_flags_its_commitments(app, dw):
    from datetime import date

    from plugins.discussion.models import Claim, Cycle, Item, Unit
    from plugins.discussion.services import lists
    with app.app_context(), in_tenant(app, dw):
        res = lists.add_item(db.session.get(Cycle, dw.cycle_id), {"kind": "resource", "title": "会议室",
                                                                  "quantity": 4, "owner_unit_id": dw.units[0]})
        with pytest.raises(Refused, match="本单位"):
            lists.propose(res, {"unit_id": dw.units[0], "quantity": 1})
        claim = lists.propose(res, {"unit_id": None, "quantity": 2})  # the community uses the unit's room
        assert claim.claimant_name == "和平社区" and claim.direction == "use"
        lists.confirm(claim)
        demand = lists.add_item(db.session.get(Cycle, dw.cycle_id), {"kind": "demand", "title": "义诊", "quantity": 1})
        serve = lists.propose(demand, {"unit_id": dw.units[1], "quantity": 1})
        lists.confirm(serve)
        lists.commit(serve, {"plan": "p", "committed_on": date(2026, 12, 1)})
        assert lists.deactivate_unit(db.session.get(Unit, dw.units[1])) == 1
        assert db.session.get(Claim, serve.id).flagged
        assert db.session.get(Item, demand.id).claimed == 1  # history stays


@pytest.mark.parametrize("capacity,racers", [(1, 2), (2, 6)])
def test_parallel_processes_never_claim_more_than_the_capacity(app, database, dw, create_user, capacity, racers):
    """Two (or six) staff confirm different units' claims on the last quantity at the same moment, each in
    their own process: exactly the capacity is claimed, the others are told 已被认领."""
    item = make_item(app, dw, quantity=capacity)
    from plugins.discussion.models import Unit
    with app.app_context(), in_tenant(app, dw):
        extra = []
        for i in range(max(0, racers - len(dw.units))):
            u = Unit(name=f"共建单位{i}", uscc=f"91340400MA2T1{i:04d}Y")
            db.session.add(u)
            db.session.flush()
            extra.append(u.id)
        db.session.commit()
    dw.units.extend(extra)
    claims = [propose(app, dw, item, i) for i in range(racers)]
    staff = [create_user(dw.street, "community_staff", unit_id=dw.community.id) for _ in range(racers)]
    base = f"/t/{dw.street.slug}/discussion"
    answers = race(database, [{"username": s.username, "password": s.password, "warmup": f"{base}/items/{item}",
                               "url": f"{base}/claims/{c}/confirm"} for s, c in zip(staff, claims)])
    statuses = sorted(a["status"] for a in answers)
    assert statuses.count(303) == capacity and statuses.count(422) == racers - capacity, statuses
    assert all("已被认领" in a["body"] for a in answers if a["status"] == 422)
    state, claimed, states = _item(app, dw, item)
    assert (state, claimed) == ("claimed", capacity)
    assert sorted(states.values()) == sorted(["confirmed"] * capacity + ["proposed"] * (racers - capacity))
