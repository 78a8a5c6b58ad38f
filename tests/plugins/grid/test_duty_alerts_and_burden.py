"""Grid management, second part (docs/grid.md §4 rule 9, §10): a CRITICAL event reaches whoever is on
duty now; an event with no grid shows in its community's queue as 未定位; staff report a 减负 rule
being broken, and the street's discipline contact reads and answers."""
from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, report


def inbox(app, gw, account) -> str:
    return client_for(app, account).get(f"/t/{gw.street.slug}/inbox").text


def put_on_duty(app, gw, unit, account, create_person, shift=None, day=None):
    from plugins.grid.notices import current_shift
    now_day, now_shift = current_shift()
    person = create_person(gw.street, name="钱值班", org_unit_id=unit.id)
    resp = post(client_for(app, gw.admin), f"/t/{gw.street.slug}/grid/duty", {
        "org_unit_id": unit.id, "duty_date": (day or now_day).isoformat(), "shift": shift or now_shift,
        "person_id": person.id, "account_id": account.id if account else ""})
    assert resp.status_code == HTTPStatus.SEE_OTHER, resp.text[:500]


def test_a_critical_event_alerts_the_account_on_duty_now(app, gw, create_person):
    put_on_duty(app, gw, gw.community, gw.worker, create_person)
    report(app, gw, title="燃气泄漏", urgency="NORMAL")
    assert "特急事件" not in inbox(app, gw, gw.worker), "only CRITICAL events alert the duty"
    report(app, gw, title="燃气泄漏", urgency="CRITICAL")
    assert "特急事件，请值班人员立即处理" in inbox(app, gw, gw.worker)
    week = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/duty").text
    assert "接收特急通知" in week


def test_someone_on_another_shift_is_not_alerted(app, gw, create_person):
    from plugins.grid.notices import current_shift
    day, shift = current_shift()
    put_on_duty(app, gw, gw.community, gw.worker, create_person, day=day - timedelta(days=2))
    report(app, gw, title="燃气泄漏", urgency="CRITICAL")
    assert "特急事件" not in inbox(app, gw, gw.worker)
    assert shift in ("day", "night")


def test_the_duty_account_must_be_staff_of_the_unit(app, gw, create_person, create_user):
    stranger = create_user(gw.street, "community_staff", unit_id=gw.street.root_id)
    other = create_user(gw.street, "grid_worker", unit_id=gw.other_grid.id)
    person = create_person(gw.street, name="孙值班", org_unit_id=gw.community.id)
    from plugins.grid.notices import current_shift
    day, shift = current_shift()
    admin = client_for(app, gw.admin)
    ok = post(admin, f"/t/{gw.street.slug}/grid/duty", {"org_unit_id": gw.community.id, "duty_date": day.isoformat(),
                                                         "shift": shift, "person_id": person.id, "account_id": other.id})
    assert ok.status_code == HTTPStatus.SEE_OTHER
    bad = post(admin, f"/t/{gw.street.slug}/grid/duty", {"org_unit_id": gw.community.id, "duty_date": day.isoformat(),
                                                          "shift": "night" if shift == "day" else "day",
                                                          "person_id": person.id, "account_id": stranger.id})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请选择本单位的账号" in bad.text


def test_an_event_with_no_grid_shows_in_its_communitys_queue_as_unlocated(app, gw, create_unit, create_user):
    from plugins.grid.models import GridEvent
    far = create_unit(gw.street, gw.street.root_id, "community", "远方社区")
    far_staff = create_user(gw.street, "community_staff", unit_id=far.id)
    c = client_for(app, gw.leader)
    resp = post(c, f"/t/{gw.street.slug}/grid/", {
        "title": "路口井盖缺失", "category_id": gw.categories["UP-ROAD"], "grid_id": "", "urgency": "NORMAL",
        "source": "PHONE_VISIT", "address": "幸福路与和平路交口"})
    assert resp.status_code == HTTPStatus.SEE_OTHER, resp.text[:500]
    event_id = int(re.search(r"/grid/(\d+)$", resp.headers["Location"]).group(1))
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.get(GridEvent, event_id).grid_id is None
    queue = c.get(f"/t/{gw.street.slug}/grid/?group=all").text
    assert "路口井盖缺失" in queue and "未定位" in queue
    assert "路口井盖缺失" not in client_for(app, far_staff).get(f"/t/{gw.street.slug}/grid/?group=all").text
    assert client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{event_id}").status_code == HTTPStatus.OK
    from .conftest import act
    assert act(app, gw, gw.leader, event_id, "accept").status_code == HTTPStatus.OK, "the community can take it on"


def test_staff_report_a_broken_burden_rule_to_the_streets_discipline_contact(app, gw):
    from plugins.grid.models import BurdenReport
    worker = client_for(app, gw.worker)
    url = f"/t/{gw.street.slug}/grid/burden"
    bad = post(worker, url, {"rule": "", "body": ""})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请选择违反的减负规定" in bad.text
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.scalar(select(BurdenReport.id)) is None
    sent = post(worker, url, {"rule": "checkin", "body": "社区要求网格员每天早晚两次定位打卡", "org_unit_id": gw.community.id,
                              "anonymous": "on"})
    assert sent.status_code == HTTPStatus.SEE_OTHER
    assert "减负投诉建议：强制打卡" in inbox(app, gw, gw.admin)
    contact = client_for(app, gw.admin).get(url).text
    assert "社区要求网格员每天早晚两次定位打卡" in contact and "匿名" in contact
    assert f"用户{gw.worker.username}" not in contact, "an anonymous writer is not named"
    community = client_for(app, gw.leader).get(url).text
    assert "早晚两次定位打卡" not in community, "the community the report is about does not read it"
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        report_id = db.session.scalar(select(BurdenReport.id))
    assert post(client_for(app, gw.leader), f"{url}/{report_id}/answer", {"answer": "不用管"}).status_code == \
        HTTPStatus.FORBIDDEN
    assert post(client_for(app, gw.admin), f"{url}/{report_id}/answer", {"answer": ""}).status_code == \
        HTTPStatus.UNPROCESSABLE_ENTITY
    assert post(client_for(app, gw.admin), f"{url}/{report_id}/answer",
                {"answer": "已责成社区取消打卡要求"}).status_code == HTTPStatus.SEE_OTHER
    assert "已责成社区取消打卡要求" in worker.get(url).text
