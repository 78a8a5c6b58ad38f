"""At phone size: an in-service member claims a post, the community confirms it, the member checks
in with the organiser's code and out, a coordinator approves the time, and the points show on the
member's page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.api import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.click("[data-testid=logout]")
    expect(page.locator("h1")).to_have_text("登录")


@pytest.fixture
def volunteer_street(app, create_tenant, create_unit, create_user, create_person, enable_plugin):
    street = create_tenant(name="西街街道")
    community = create_unit(street, street.root_id, "community", "和平社区")
    enable_plugin(street, "volunteer")
    member = create_user(street, "volunteer", unit_id=community.id)
    staff = create_user(street, "community_staff", unit_id=community.id)
    person = create_person(street, "李建国", org_unit_id=community.id)
    from plugins.volunteer.models import Activity, ServicePost, Volunteer
    now = clock.utcnow()
    with app.app_context(), tenant_scope(street.id):
        vol = Volunteer(person_id=person.id, user_id=member.id, org_unit_id=community.id, name="李建国",
                        kinds=["in_service_member"], employer="区财政局")
        db.session.add(vol)
        db.session.add(ServicePost(org_unit_id=community.id, kind="resident_service", title="楼栋政策宣传岗",
                                   description="每月入户宣传一次", capacity=1))
        act = Activity(org_unit_id=community.id, title="清洁家园行动", type="cleanup", starts_at=now - timedelta(minutes=30),
                       ends_at=now + timedelta(hours=3), capacity=20, checkin_code="246810", default_minutes=210,
                       max_credit_minutes=210)
        db.session.add(act)
        db.session.flush()
        ids = {"volunteer": vol.id, "activity": act.id}
    return street, member, staff, ids


def test_claim_check_in_and_out_approve_and_see_the_points(app, page, live_server, volunteer_street):
    street, member, staff, ids = volunteer_street
    base = f"{live_server}/t/{street.slug}/volunteer"

    sign_in(page, live_server, member)
    page.goto(f"{base}/posts")
    card = page.locator("article", has_text="楼栋政策宣传岗")
    card.locator("button", has_text="认领").click()
    expect(page.locator("article", has_text="楼栋政策宣传岗")).to_contain_text("已提交认领")

    page.goto(f"{base}/activities/{ids['activity']}")
    page.fill("#checkin-code", "246810")
    page.click("#my-activity button.primary")
    expect(page.locator("#my-activity")).to_contain_text("已签到")
    from plugins.volunteer.models import ServiceRecord
    with app.app_context(), tenant_scope(street.id):  # as if they had checked in two hours ago
        rec = db.session.query(ServiceRecord).one()
        rec.started_at = clock.utcnow() - timedelta(hours=2)
    page.click("#my-activity button.primary")
    expect(page.locator("#my-activity")).to_contain_text("已签退，服务时长待审核")
    sign_out(page)

    sign_in(page, live_server, staff)
    page.goto(f"{base}/claims")
    page.locator("tr", has_text="楼栋政策宣传岗").locator("button", has_text="确认").click()
    expect(page.locator("tr", has_text="楼栋政策宣传岗")).to_contain_text("在岗")
    page.goto(f"{base}/approvals")
    row = page.locator("#approvals tbody tr", has_text="李建国")
    row.locator("button", has_text="通过").click()
    expect(page.locator("#approvals tbody tr", has_text="李建国")).to_contain_text("已通过")
    sign_out(page)

    sign_in(page, live_server, member)
    page.goto(f"{base}/me")
    expect(page.locator("[data-testid=points]")).to_have_text("2.00")
    expect(page.locator("[data-testid=hours]")).to_have_text("2.0")
    expect(page.locator("#points-statement")).to_contain_text("服务积分")  # the type by name, never its code
    expect(page.locator("#points-statement")).not_to_contain_text("EARN")
    assert page.problems == []
