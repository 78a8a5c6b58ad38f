"""At phone size: the street sets up a station's members, registers a co-building unit with a covenant
(a wrong credit code is refused inline), staff act for a resident, the meeting's 台账 prints, and the public
notice board takes an objection."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import sign_in
from .test_discussion_browser import sign_out, station  # noqa: F401 - the fixture is shared

pytestmark = pytest.mark.browser


def shot(page, name):
    """Screenshots for a person to look at, when JICENG_SCREENSHOTS names a folder."""
    folder = os.environ.get("JICENG_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
        size = page.viewport_size
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=os.path.join(folder, f"{name}-desktop.png"), full_page=True)
        page.set_viewport_size(size)


def problems(page) -> list:
    """The page's console errors; a screenshot's own injected style (it trips the CSP) is not the page's."""
    shooting = bool(os.environ.get("JICENG_SCREENSHOTS"))
    return [p for p in page.problems if not (shooting and ("Applying inline style" in p or "style-src-attr" in p))]


def test_members_units_covenants_on_behalf_and_the_notice_board(app, page, live_server, station):  # noqa: F811
    street, people = station
    base = f"{live_server}/t/{street.slug}/discussion"
    sign_in(page, live_server, people["chair"])
    page.goto(f"{base}/admin/stations")
    expect(page.locator("[data-testid=stations]")).to_contain_text("和平社区")
    shot(page, "admin-stations")
    page.click("[data-testid=stations] a")
    page.fill("#member-form #f-name", "赵委员")
    page.select_option("#member-form #f-role", "resident_rep")
    page.check("#member-form input[name=voting]")
    page.click("#member-form button.primary")
    expect(page.locator("[data-testid=members]")).to_contain_text("赵委员")
    expect(page.locator("[data-testid=members]")).to_contain_text("居民代表")
    shot(page, "admin-station")

    page.goto(f"{base}/units")
    page.fill("#unit-form #f-name", "谢家集区税务局")
    page.fill("#unit-form #f-uscc", "1134")
    page.select_option("#unit-form #f-type", "党政机关")
    page.click("#unit-form button.primary")
    expect(page.locator("#unit-form")).to_contain_text("统一社会信用代码应为 18 位")
    shot(page, "units-refused")
    page.fill("#unit-form #f-uscc", "11340404MB1234567A")
    page.click("#unit-form button.primary")
    expect(page.locator("h1")).to_contain_text("谢家集区税务局")
    page.check("#covenant-form input[name=org_unit_ids]")
    page.fill("#covenant-form #f-term_start", "2026-01-01")
    page.fill("#covenant-form #f-term_end", "2027-12-31")
    page.fill("#covenant-form #f-commitments", "每季度开展一次税法宣传进社区")
    page.click("#covenant-form button.primary")
    expect(page.locator("[data-testid=covenants]")).to_contain_text("税法宣传")
    shot(page, "unit")
    page.goto(f"{base}/unit-report")
    expect(page.locator("[data-testid=unit-report]")).to_contain_text("谢家集区税务局")
    shot(page, "unit-report")
    sign_out(page)

    sign_in(page, live_server, people["staff"])
    page.goto(f"{base}/matters")
    page.fill("#proxy-form #f-resident_name", "刘奶奶")
    page.fill("#proxy-form #f-reason", "老人不会用手机，到站当面反映")
    page.click("#proxy-form button")
    expect(page.locator("[data-testid=proxy-active]")).to_contain_text("正在代 刘奶奶 办理")
    shot(page, "proxy")
    page.fill("#matter-form #f-title", "楼道扶手松动")
    page.fill("#matter-form #f-body", "3栋2单元扶手松了")
    page.click("#matter-form button.primary")
    expect(page.locator("main")).to_contain_text("刘奶奶（老人不会用手机，到站当面反映）")
    assert problems(page) == [], problems(page)[:3]


def test_the_ledger_prints_and_the_public_board_takes_an_objection(app, page, live_server, station):  # noqa: F811
    from core.api import db
    from core.tenancy import tenant_scope
    from plugins.discussion.models import Matter, Meeting, Member, Publicity, Station
    from plugins.discussion.services import cycles, matters, meetings, publicity
    street, people = station
    with app.app_context(), tenant_scope(street.id, user_id=people["resident"].id):
        s = db.session.scalar(db.select(Station))
        m = matters.submit(matters.create(s, {"title": "小区南门增设非机动车棚", "body": "电动车无处停放"}))
        mid = m.id
        db.session.commit()
    with app.app_context(), tenant_scope(street.id, user_id=people["staff"].id):
        m, s = db.session.get(Matter, mid), db.session.scalar(db.select(Station))
        matters.screen(m, {"result": "admit"})
        meeting = meetings.schedule(cycles.current_cycle(s), {"starts_on": cycles.today(), "location": "党群服务中心"})
        item = meetings.put_on_agenda(m, meeting)
        meetings.open_(meeting)
        for member in db.session.scalars(db.select(Member)):
            meetings.sign(meeting, member, True)
        meetings.record_vote(item, {"method": "show_hands", "votes_for": 3})
        meetings.adjourn(meeting)
        meetings.draft_minutes(meeting)
        meetings.approve_minutes(meeting)
        meeting_id = meeting.id
        db.session.commit()
    with app.app_context(), tenant_scope(street.id, user_id=people["chair"].id):
        meetings.approve_minutes(db.session.get(Meeting, meeting_id))
        m = db.session.get(Matter, mid)
        from plugins.discussion.models import Decision
        p = publicity.start_project(db.session.scalar(db.select(Decision)), {"title": "南门车棚"})
        publicity.set_progress(p, {"progress": 100})
        publicity.complete(p)
        notice = publicity.open_result(m)
        notice.starts_on = notice.starts_on - timedelta(days=6)
        notice.ends_on = cycles.today()
        station_id = m.station_id
        db.session.commit()
    base = f"{live_server}/t/{street.slug}/discussion"
    page.goto(f"{base}/stations/{station_id}/notices")  # not signed in: the QR code on the bulletin board
    expect(page.locator("[data-testid=notice]")).to_contain_text("今天是公示最后一天")
    shot(page, "notices-public")
    page.click("text=登录后提出异议")
    page.fill("#f-username", people["neighbour"].username)
    page.fill("#f-password", people["neighbour"].password)
    page.click("button.primary")
    expect(page.locator("[data-testid=notice] textarea")).to_be_visible()
    page.locator("[data-testid=notice] textarea").fill("车棚位置挡住消防通道")
    page.click("[data-testid=notice] button.primary")
    expect(page.locator("[data-testid=notice]")).to_contain_text("车棚位置挡住消防通道")
    expect(page.locator("[data-testid=notice]")).to_contain_text("待答复")
    shot(page, "notices-objected")
    sign_out(page)
    sign_in(page, live_server, people["chair"])
    page.goto(f"{base}/meetings/{meeting_id}")
    page.click("[data-testid=ledger-link]")
    expect(page.locator("[data-testid=ledger-quorum]")).to_contain_text("达到法定人数")
    expect(page.locator("#ledger-minutes")).to_contain_text("审定并锁定")
    shot(page, "ledger-phone")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    shot(page, "ledger-print")
    with app.app_context(), tenant_scope(street.id):
        assert db.session.scalar(db.select(Publicity.state)) == "open"
    assert problems(page) == [], problems(page)[:3]
