"""At phone size: a resident raises a matter, a neighbour supports it, staff admit it and put it on the
joint meeting's agenda, the meeting signs in to quorum and decides, the minutes are approved by two, the
project is done and its result published for objections."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def station(app, create_tenant, create_unit, create_user, enable_plugin):
    from core.api import db, org_unit
    from core.tenancy import tenant_scope
    from plugins.discussion.models import Member
    from plugins.discussion.services import cycles
    street = create_tenant(name="议事街道")
    community = create_unit(street, street.root_id, "community", "和平社区")
    enable_plugin(street, "discussion")
    with app.app_context(), tenant_scope(street.id):
        s = cycles.ensure_station(org_unit(community.id), "community")
        cycles.current_cycle(s)
        for i, name in enumerate(("张书记", "李委员", "王代表")):
            db.session.add(Member(station_id=s.id, name=name, role="chair" if i == 0 else "member"))
    people = {"resident": create_user(street, "resident", unit_id=community.id),
              "neighbour": create_user(street, "resident", unit_id=community.id),
              "staff": create_user(street, "community_staff", unit_id=community.id),
              "chair": create_user(street, "street_staff"), "admin": create_user(street, "tenant_admin")}
    return street, people


def sign_out(page):
    page.click("[data-testid=logout]")
    expect(page.locator("h1")).to_have_text("登录")


def test_raise_support_agenda_meeting_decide_publish(page, live_server, station):
    street, people = station
    base = f"{live_server}/t/{street.slug}/discussion"
    sign_in(page, live_server, people["resident"])
    page.goto(f"{base}/matters")
    page.fill("#f-title", "小区南门增设非机动车棚")
    page.fill("#f-body", "电动车无处停放，堵塞消防通道")
    page.click("#matter-form button.primary")
    expect(page.locator("[data-testid=matter-state]")).to_have_text("已提交")
    page.goto(f"{base}/matters")
    page.click("#matter-rows a")
    expect(page.locator("[data-testid=matter-state]")).to_have_text("已提交")
    matter_url = page.url
    sign_out(page)

    sign_in(page, live_server, people["neighbour"])
    page.goto(matter_url)
    page.click("[data-testid=support]")
    expect(page.locator("[data-testid=support-count]")).to_have_text("1")
    expect(page.locator("[data-testid=support]")).to_have_text("已关注")
    sign_out(page)

    sign_in(page, live_server, people["staff"])
    page.goto(matter_url)
    page.click("[data-testid=do-screen]")
    expect(page.locator("[data-testid=matter-state]")).to_have_text("已受理")
    page.goto(f"{base}/meetings")
    page.fill("#f-starts_on", "2026-12-20")
    page.fill("#f-location", "和平社区党群服务中心")
    page.click("#meeting-form button.primary")
    expect(page.locator("[data-testid=meeting-state]")).to_have_text("已安排")
    page.goto(f"{base}/meetings")
    page.click("[data-testid=meetings] a")
    expect(page.locator("[data-testid=meeting-state]")).to_have_text("已安排")
    meeting_url = page.url
    page.goto(matter_url)
    page.click("[data-testid=do-agenda]")
    expect(page.locator("[data-testid=matter-state]")).to_have_text("已列入议程")
    sign_out(page)

    sign_in(page, live_server, people["chair"])
    page.goto(meeting_url)
    page.click("#desk button:has-text('开会签到')")
    expect(page.locator("[data-testid=quorum]")).to_contain_text("未达法定人数")
    for n in (1, 2, 3):  # each sign-in swaps the desk and recounts the quorum
        page.locator("[data-testid=attendance] button:has-text('签到')").first.click()
        expect(page.locator("[data-testid=quorum]")).to_contain_text(f"到会表决成员 {n} /")
    expect(page.locator("[data-testid=quorum]")).to_contain_text("到会表决成员 3 / 法定人数 3：已达法定人数")
    vote = page.locator("[data-testid=vote-matter]")
    vote.locator("input[name=votes_for]").fill("3")
    vote.locator("button.primary").click()
    expect(page.locator("[data-testid=agenda]")).to_contain_text("通过")
    page.click("#desk button:has-text('休会')")
    page.click("#desk button:has-text('生成纪要')")
    expect(page.locator("[data-testid=minutes]")).to_contain_text("小区南门增设非机动车棚")
    page.click("#desk button:has-text('审定纪要')")
    expect(page.locator("#desk")).to_contain_text("已审定 1 / 2 人")
    sign_out(page)

    sign_in(page, live_server, people["admin"])
    page.goto(meeting_url)
    page.click("#desk button:has-text('审定纪要')")
    expect(page.locator("[data-testid=meeting-state]")).to_have_text("纪要已审定")
    page.goto(matter_url)
    expect(page.locator("[data-testid=matter-state]")).to_have_text("已通过")
    page.click("[data-testid=do-project]")
    expect(page.locator("[data-testid=matter-state]")).to_have_text("实施中")
    page.click("[data-testid=timeline] a:has-text('小区南门增设非机动车棚')")
    page.fill("#f-progress", "100")
    page.click("main form button")
    expect(page.locator("[data-testid=progress]")).to_have_text("100%")
    page.goto(matter_url)
    page.click("[data-testid=do-complete]")
    page.click("[data-testid=do-publish]")
    expect(page.locator("[data-testid=matter-state]")).to_have_text("公示中")
    page.click("[data-testid=timeline] a:has-text('至')")
    expect(page.locator("[data-testid=publicity-window]")).to_contain_text("23:59:59")
    assert page.problems == []
