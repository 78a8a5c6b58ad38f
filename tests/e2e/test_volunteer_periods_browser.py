"""At phone size: staff close last month's volunteer points (closing lists the record still
pending, the sealed totals show with Chinese names), and a large award waits for a second person."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.db import db
from core.tenancy import tenant_scope

from .conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def points_street(app, create_tenant, create_unit, create_user, create_person, enable_plugin):
    from plugins.volunteer.models import ServiceRecord, Volunteer
    from plugins.volunteer.services import records
    from plugins.volunteer.services.common import today
    street = create_tenant(name="南街街道")
    community = create_unit(street, street.root_id, "community", "和平社区")
    enable_plugin(street, "volunteer")
    admin, second = create_user(street, "tenant_admin"), create_user(street, "street_staff")
    person = create_person(street, "王秀英", org_unit_id=community.id)
    day = (today().replace(day=1) - timedelta(days=1)).replace(day=10)
    with app.app_context(), tenant_scope(street.id, user_id=admin.id):
        from tests.plugins.volunteer.parallel_work import with_grants
        with_grants(admin.id)
        vol = Volunteer(person_id=person.id, org_unit_id=community.id, name="王秀英", kinds=["resident"])
        db.session.add(vol)
        db.session.flush()
        for minutes, key in ((120, "a"), (45, "b")):
            db.session.add(ServiceRecord(volunteer_id=vol.id, org_unit_id=community.id, service_date=day,
                                         minutes_claimed=minutes, source="self_report", state="submitted",
                                         idempotency_key=f"e2e:{key}"))
        db.session.flush()
        first = db.session.query(ServiceRecord).filter_by(idempotency_key="e2e:a").one()
        records.approve(first)
        vid = vol.id
    return street, admin, second, vid, day


def test_close_last_month_then_a_large_award_waits_for_a_second_person(page, live_server, points_street):
    street, admin, second, vid, day = points_street
    base = f"{live_server}/t/{street.slug}/volunteer"
    sign_in(page, live_server, admin)
    page.goto(f"{base}/periods")
    row = page.locator("#periods tr", has_text=day.strftime("%Y-%m"))
    row.locator("button", has_text="开始结账").click()
    expect(page.locator("h1")).to_contain_text("结账中")
    expect(page.locator("#pending")).to_contain_text("王秀英")
    expect(page.locator("#totals")).to_contain_text("服务时长入账")
    page.click("button:has-text('确认结账')")
    expect(page.locator("h1")).to_contain_text("已结账")
    expect(page.locator("#checksum-ok")).to_have_text("与当前导出一致")
    expect(page.locator("#totals")).to_contain_text("+120")
    assert "HOURS_CREDIT" not in page.content()
    page.screenshot(path="/tmp/vol-period.png", full_page=True)

    page.goto(f"{base}/{vid}")
    page.select_option("#f-txn_type", "BONUS")
    page.fill("#f-points", "80")
    page.select_option("#f-reason_code", "award")
    page.fill("#f-memo", "抗洪抢险表彰")
    page.click("#adjust-form button.primary")
    expect(page.locator("body")).to_contain_text("已提交他人复核")
    expect(page.locator("[data-testid=points]")).to_have_text("2.00")
    expect(page.locator("#points-statement")).to_contain_text("服务积分")
    page.screenshot(path="/tmp/vol-volunteer.png", full_page=True)
    assert page.problems == []
