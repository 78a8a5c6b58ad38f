"""The district's 组织建设 figures are counted from the demo's rows and reproduce the seed article
(seed facts §2.3); the district reads its streets read-only; a street sees itself alone."""
from __future__ import annotations

import json
import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.db import db
from core.demo import DEMO_PASSWORD
from core.org.models import OrgUnit
from core.tenancy import tenant_scope
from core.tenancy.models import Tenant
from core.testing.factories import csrf_token
from core.testing.html import select as css, texts

SEED = {"streets": 5, "communities": 37, "compounds": 128, "grids": 286, "leaders": 30, "leader_links": 37,
        "linked_communities": 37, "secretaries": 37, "yijiantiao": 23, "yijiantiao_pct": 62.2, "committee": 269,
        "committee_college": 215, "committee_college_pct": 79.9, "previous_committee": 269, "previous_college": 170,
        "previous_college_pct": 63.2, "college_gain_points": 16.7, "young_cadres": 22, "joint_party_orgs": 37,
        "party_members_by_category": {"直管": 3100, "双重管": 2046, "接管": 2400, "参管": 310, "统管": 140}}
#: a demo name (王甲07) or an 11-digit phone in full would be a leak on a masked list
FULL_NAME = re.compile(r"[\u4e00-\u9fff][甲乙丙丁戊己庚辛壬癸]\d\d")
FULL_PHONE = re.compile(r"\b1\d{10}\b")


@pytest.fixture(scope="module")
def demo(app):
    # the same arguments as tests/core/test_demo.py, so whichever loads first serves both
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130"])
    assert result.exit_code == 0, result.output


def sign_in(client, username):
    resp = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    assert resp.status_code == HTTPStatus.SEE_OTHER


def figure(html: str, name: str) -> str:
    return texts(html, f'[data-figure="{name}"]')[0]


def test_jiceng_org_stats_prints_the_districts_figures_from_data(app, demo):
    result = app.test_cli_runner().invoke(args=["org", "stats", "--tenant", "xiejiaji", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "district"
    assert {k: data[k] for k in SEED} == SEED


def test_a_streets_stats_are_its_own(app, demo):
    runner = app.test_cli_runner()
    streets = [json.loads(runner.invoke(args=["org", "stats", "--tenant", slug, "--format", "json"]).output)
               for slug in ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan", "xjj-lixin")]
    assert [s["communities"] for s in streets] == [9, 5, 8, 7, 8]
    assert all(s["streets"] == 1 and s["leaders"] == 0 for s in streets)  # the links are the district's
    for key in ("yijiantiao", "committee", "committee_college", "previous_college", "young_cadres", "joint_party_orgs"):
        assert sum(s[key] for s in streets) == SEED[key], key
    assert all(s["committee_college"] > 0 and s["yijiantiao"] > 0 for s in streets)  # shared out, not piled up


def test_the_district_page_shows_the_seed_figures_and_who_is_behind_them(app, demo):
    client = app.test_client()
    sign_in(client, "district-admin")
    page = client.get("/t/xiejiaji/org/figures")
    assert page.status_code == HTTPStatus.OK
    shown = {name: figure(page.text, name) for name in ("streets", "communities", "compounds", "grids", "leaders",
                                                        "yijiantiao", "secretaries", "committee_college", "committee",
                                                        "previous_college", "young_cadres", "joint_party_orgs")}
    assert shown == {"streets": "5", "communities": "37", "compounds": "128", "grids": "286", "leaders": "30",
                     "yijiantiao": "23", "secretaries": "37", "committee_college": "215", "committee": "269",
                     "previous_college": "170", "young_cadres": "22", "joint_party_orgs": "37"}
    assert "62.2%" in page.text and "79.9%" in page.text and "63.2%" in page.text
    assert figure(page.text, "college_gain_points").startswith("+16.7")
    assert [figure(page.text, f"category-{c}") for c in ("直管", "双重管", "接管", "参管", "统管")] == \
        ["3100", "2046", "2400", "310", "140"]
    # every linked figure lists as many rows as it says, names and phones masked
    links = {a["data-figure"]: a["href"] for a in css(page.text, "a[data-figure]")}
    for name, expected in (("yijiantiao", 23), ("leaders", 30), ("young_cadres", 22), ("joint_party_orgs", 37),
                           ("committee_college", 215), ("previous_college", 170), ("category-统管", 140)):
        url, n = links[name], 0
        while url:
            resp = client.get(url)
            assert resp.status_code == HTTPStatus.OK
            body = resp.text
            table = str(css(body, "#figure-rows")[0])  # the header names the signed-in user, in full
            assert not FULL_NAME.search(table) and not FULL_PHONE.search(body), name
            n += len(css(body, "#figure-rows tbody tr"))
            nxt = css(body, "[data-testid=next]")
            url = nxt[0]["href"] if nxt else None
        assert n == expected, name
    young = client.get(links["young_cadres"]).text
    assert all(re.fullmatch(r"[\u4e00-\u9fff]\*+", t) for t in texts(young, "[data-testid=name]"))


def test_the_districts_dashboard_shows_its_streets_organisation(app, demo):
    client = app.test_client()
    sign_in(client, "district-admin")
    resp = client.get("/t/xiejiaji/widgets/org-summary")
    assert texts(resp.text, ".stats strong")[:4] == ["5", "37", "128", "286"]


def test_the_district_reads_the_streets_trees_and_cannot_write_to_them(app, demo):
    client = app.test_client()
    sign_in(client, "district-admin")
    tree = client.get("/t/xiejiaji/org/")
    assert tree.status_code == HTTPStatus.OK and texts(tree.text, "[data-testid=read-only]")
    assert {"谢家集街道", "谢三村街道", "蔡家岗街道", "平山街道", "立新街道"} <= {
        t.split(" ", 1)[1].rsplit(" ", 1)[0] for t in texts(tree.text, ".tree summary")}
    with app.app_context():
        street = db.session.scalar(select(Tenant.id).where(Tenant.slug == "xjj-xiejiaji"))
    with app.app_context(), tenant_scope(street, commit=False):
        kaoshan = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "xjj-xiejiaji-kaoshan")).one()
        kaoshan_id, name_before = kaoshan.id, kaoshan.name
        children_before = len(db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == kaoshan_id)).all())
    unit = client.get(f"/t/xiejiaji/org/{kaoshan_id}")
    assert unit.status_code == HTTPStatus.OK and "谢家集街道" in texts(unit.text, "[data-testid=read-only]")[0]
    assert not css(unit.text, "main form[method=post]")  # no create, rename or move forms
    assert client.get(f"/t/xiejiaji/org/{kaoshan_id}/children").status_code == HTTPStatus.OK
    token = csrf_token(client)
    for path, data in (("rename", {"name": "改了"}), ("children", {"kind": "grid", "code": "x-1", "name": "新网格"}),
                       ("move", {"parent_id": str(kaoshan_id)})):
        resp = client.post(f"/t/xiejiaji/org/{kaoshan_id}/{path}", data={**data, "csrf_token": token})
        assert resp.status_code == HTTPStatus.NOT_FOUND, path
    assert client.post("/t/xiejiaji/org/figures", data={"csrf_token": token}).status_code == \
        HTTPStatus.METHOD_NOT_ALLOWED
    with app.app_context(), tenant_scope(street, commit=False):
        assert db.session.get(OrgUnit, kaoshan_id).name == name_before
        assert len(db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == kaoshan_id)).all()) == children_before


def test_a_street_sees_its_own_figures_and_no_other_streets(app, demo):
    client = app.test_client()
    sign_in(client, "street-admin")  # 谢家集街道
    page = client.get("/t/xjj-xiejiaji/org/figures")
    assert page.status_code == HTTPStatus.OK
    assert figure(page.text, "communities") == "9" and not css(page.text, "[data-figure=streets]")
    assert not css(page.text, "#fig-leaders")
    rows = client.get("/t/xjj-xiejiaji/org/figures/committee").text
    with app.app_context(), tenant_scope(db.session.scalar(select(Tenant.id).where(Tenant.slug == "xjj-xiejiaji")),
                                         commit=False):
        own = set(db.session.scalars(select(OrgUnit.name).where(OrgUnit.kind == "community")))
    places = set(texts(rows, "[data-testid=place]"))
    assert places and places <= own
    for other in ("xjj-xiesancun", "xiejiaji"):
        assert client.get(f"/t/{other}/org/figures").status_code == HTTPStatus.NOT_FOUND


def test_a_district_sees_its_streets_figures_not_an_unrelated_streets(app, world, client, login_as):
    """D over A and C: D's figures count A's and C's seats, never B's, and each look is audited."""
    login_as(world.admin_d)
    page = client.get(f"/t/{world.d.slug}/org/figures")
    assert figure(page.text, "yijiantiao") == "3" and figure(page.text, "communities") == "3"  # D, A and C
    listed = client.get(f"/t/{world.d.slug}/org/figures/yijiantiao").text
    assert set(texts(listed, "[data-testid=place]")) == {f"CANARY-{t.slug}-社区" for t in (world.a, world.c, world.d)}
    assert all(re.fullmatch(r"C\*+", n) for n in texts(listed, "[data-testid=name]"))  # CANARY-… masked
    assert world.b.slug not in listed and world.b.slug not in page.text
    with app.app_context(), tenant_scope(world.d.id, commit=False):
        looks = [a.detail["endpoint"] for a in db.session.scalars(
            select(AuditLog).where(AuditLog.action == "district.rollup").order_by(AuditLog.id))]
    assert looks == ["org.figures", "org.figure_people"]
    login_as(world.admin_a)
    street = client.get(f"/t/{world.a.slug}/org/figures")
    assert figure(street.text, "yijiantiao") == "1"
    assert client.get(f"/t/{world.d.slug}/org/figures").status_code == HTTPStatus.NOT_FOUND


def test_a_community_cadre_lists_only_their_community(app, demo):
    client = app.test_client()
    sign_in(client, "community-staff")  # 靠山社区 of 谢家集街道
    listed = client.get("/t/xjj-xiejiaji/org/figures/committee")
    assert listed.status_code == HTTPStatus.OK
    assert set(texts(listed.text, "[data-testid=place]")) == {"靠山社区"}
    assert len(css(listed.text, "#figure-rows tbody tr")) in (7, 8)  # a community's seats, no more


def test_stats_of_an_unknown_tenant_say_so(app, demo):
    result = app.test_cli_runner().invoke(args=["org", "stats", "--tenant", "no-such-street"])
    assert result.exit_code == 1 and "no-such-street" in result.output
