"""The roll-over preview before a quarter is archived, covenant-expiry alerts through core's scheduled jobs,
co-building actions of property meetings arriving by event, and staff acting for a resident for 30 minutes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from core import clock
from core.api import db, Event
from core.testing.factories import post
from core.tenancy import tenant_scope

from .conftest import client_for, in_tenant, make_item


def _matter(app, dw, title="小区南门增设非机动车棚", user=None):
    from plugins.discussion.models import Station
    from plugins.discussion.services import matters
    with app.app_context(), in_tenant(app, dw, user or dw.resident):
        m = matters.submit(matters.create(db.session.get(Station, dw.station_id), {"title": title, "body": "内容"}))
        db.session.commit()
        return m.id


def test_the_roll_over_preview_flags_long_undecided_matters_then_one_confirmation(app, dw):
    from plugins.discussion.models import Cycle, Matter, Rollover
    from plugins.discussion.services import matters
    old, fresh = _matter(app, dw, "老问题：路灯"), _matter(app, dw, "新问题：车棚")
    item = make_item(app, dw, quantity=4, title="助老送餐志愿者")
    with app.app_context(), in_tenant(app, dw, dw.staff):
        for mid in (old, fresh):
            matters.screen(db.session.get(Matter, mid), {"result": "admit"})
        db.session.get(Matter, old).rollover_n = 1  # rolled over once already
        db.session.get(Cycle, dw.cycle_id).phase = "publicizing"
        db.session.commit()
    chair = client_for(app, dw.chair)
    station = f"/t/{dw.street.slug}/discussion/stations/{dw.station_id}"
    assert "预览结转并归档" in chair.get(station).text
    resp = post(chair, f"/t/{dw.street.slug}/discussion/cycles/{dw.cycle_id}/advance", {})
    assert resp.status_code == 422 and "先预览结转内容" in resp.text
    url = f"/t/{dw.street.slug}/discussion/cycles/{dw.cycle_id}/rollover"
    page = chair.get(url).text
    assert "老问题：路灯" in page and "新问题：车棚" in page and "助老送餐志愿者" in page
    assert "有 1 个议题结转后将达到两次" in page and page.count("长期未决：须决定或关闭") == 1
    assert "确认结转并归档" in page
    with app.app_context(), in_tenant(app, dw):  # the preview moved nothing
        assert db.session.get(Cycle, dw.cycle_id).phase == "publicizing"
        assert db.session.scalar(select(func.count()).select_from(Rollover)) == 0
    assert client_for(app, dw.staff).get(url).status_code == 403  # community staff may not roll over
    resp = post(chair, url, {})
    assert resp.status_code == 303, resp.text[:300]
    with app.app_context(), in_tenant(app, dw):
        log = db.session.scalar(select(Rollover))
        assert sorted(log.matter_ids) == sorted([old, fresh]) and log.item_ids == [item]
        assert db.session.get(Cycle, dw.cycle_id).phase == "archived"
        assert [db.session.get(Matter, m).rollover_n for m in (old, fresh)] == [2, 1]
    resp = chair.get(url)
    assert resp.status_code == 422 and "只有公示阶段的季度可以结转归档" in resp.text
    assert "确认结转并归档" not in resp.text and "rollover-form" not in resp.text  # nothing left to confirm
    assert "长期未决" in chair.get(f"/t/{dw.street.slug}/discussion/matters/{old}").text


def test_covenant_expiry_alerts_go_out_once_thirty_days_before_the_term_ends(app, dw):
    # start just after midnight in Shanghai, so 13 hours on is still the same day and 25 hours is the next
    now = clock.local(clock.utcnow())
    clock.travel((datetime.combine(now.date() + timedelta(days=1), time(0, 30), now.tzinfo) - now).total_seconds())
    try:
        _covenant_alerts(app, dw)
    finally:
        clock.reset()


def _covenant_alerts(app, dw):
    from core.events.jobs import run_due
    from core.ui.models import Notification
    from plugins.discussion.models import Covenant
    from plugins.discussion.services import cycles
    with app.app_context(), in_tenant(app, dw):
        today = cycles.today()
        db.session.add_all([
            Covenant(unit_id=dw.units[0], org_unit_ids=[dw.community.id], term_start=today - timedelta(days=700),
                     term_end=today + timedelta(days=30), commitments="义诊"),
            Covenant(unit_id=dw.units[1], org_unit_ids=[dw.community.id], term_start=today - timedelta(days=300),
                     term_end=today + timedelta(days=31), commitments="助学"),
            Covenant(unit_id=dw.units[2], org_unit_ids=[], term_start=today - timedelta(days=800),
                     term_end=today - timedelta(days=1), commitments="已到期")])
        db.session.commit()

    def notes(user):
        with app.app_context(), tenant_scope(dw.street.id, commit=False):
            return sorted(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id,
                                                                              Notification.source == "discussion")))
    with app.app_context():
        run_due(tenants=[dw.street.id])
    first = f"共建协议将于 {(today + timedelta(days=30)).isoformat()} 到期：淮南供电公司"
    assert notes(dw.chair) == [first]  # the street manages units
    assert notes(dw.staff) == [first]  # the community's staff run its lists
    assert notes(dw.resident) == []
    clock.travel(13 * 3600)  # the job runs again: no second alert for the same term end
    with app.app_context():
        run_due(tenants=[dw.street.id])
    assert notes(dw.chair) == [first]
    clock.travel(12 * 3600)  # a day later the 31-day covenant is inside the window
    with app.app_context():
        run_due(tenants=[dw.street.id])
    second = f"共建协议将于 {(today + timedelta(days=31)).isoformat()} 到期：谢家集区人民医院"
    assert notes(dw.chair) == sorted([first, second])
    assert "到期：谢家集区人民医院" in client_for(app, dw.chair).get(f"/t/{dw.street.slug}/inbox").text


@dataclass
class MeetingActionCreated(Event):
    """The property module's event, by name and payload only: the discussion plugin does not import it."""
    name = "property.meeting_action_created"
    action_id: int = 0
    meeting_id: int = 0
    community_id: int = 0
    kind: str = ""
    text: str = ""
    owner: str = ""
    due_on: str = ""


def test_a_co_building_action_of_a_property_meeting_becomes_a_demand_once(app, dw, monkeypatch):
    from core.events import emit, take_committed
    from core.events.dispatch import deliver
    from core.plugins.manager import registry
    from plugins.discussion.models import Item
    monkeypatch.setitem(registry().event_types, MeetingActionCreated.name, MeetingActionCreated)
    sent = []
    with app.app_context(), in_tenant(app, dw):
        for kind, action in (("co_building", 7), ("ticket", 8)):
            emit(MeetingActionCreated(action_id=action, meeting_id=3, community_id=dw.community.id, kind=kind,
                                      text="请共建单位协助更换小区监控", owner="物业公司", due_on="2026-12-31"))
        db.session.commit()
        sent = take_committed()
    assert len(sent) == 2
    with app.app_context():
        for tenant_id, event_id in sent + sent[:1]:  # delivered at least once: the first one twice
            deliver(tenant_id, event_id)
    from core.events.models import EventOutbox
    with app.app_context(), in_tenant(app, dw):  # whatever other subscribers did, this one took both
        errors = db.session.scalars(select(EventOutbox.last_error).where(
            EventOutbox.id.in_([e for _t, e in sent]))).all()
        assert not any("discussion" in (e or "") for e in errors), errors
    with app.app_context(), in_tenant(app, dw):
        items = db.session.scalars(select(Item).where(Item.source_ref.is_not(None))).all()
        assert [(i.kind, i.title, i.source_ref, i.state, i.owner_type) for i in items] == [
            ("demand", "请共建单位协助更换小区监控", "property:7", "published", "community")]
        assert "物业公司" in items[0].body and "2026-12-31" in items[0].body
        from plugins.discussion.models import Cycle
        assert db.session.get(Cycle, items[0].cycle_id).station_id == dw.station_id
        iid = items[0].id
    assert "请共建单位协助更换小区监控" in client_for(app, dw.staff).get(
        f"/t/{dw.street.slug}/discussion/items/{iid}").text


def test_staff_raise_a_matter_for_a_resident_within_thirty_minutes_of_giving_the_reason(app, dw):
    from plugins.discussion.models import Matter, Proxy
    staff = client_for(app, dw.staff)
    base = f"/t/{dw.street.slug}/discussion"
    resp = post(staff, f"{base}/stations/{dw.station_id}/proxy", {"resident_name": "刘奶奶", "reason": "不会"})
    assert resp.status_code == 422 and "至少 4 个字" in resp.text
    resp = post(staff, f"{base}/stations/{dw.station_id}/proxy",
                {"resident_name": "刘奶奶", "reason": "老人不会用手机，到站当面反映"})
    assert resp.status_code == 303
    page = staff.get(f"{base}/matters").text
    assert "正在代 刘奶奶 办理" in page and 'name="proxy_id"' in page
    with app.app_context(), in_tenant(app, dw):
        pid = db.session.scalar(select(Proxy.id))
    try:
        clock.travel(29 * 60)
        resp = post(staff, f"{base}/stations/{dw.station_id}/matters",
                    {"title": "楼道扶手松动", "body": "3栋2单元扶手松了", "proxy_id": str(pid)})
        assert resp.status_code == 303, resp.text[:300]
        with app.app_context(), in_tenant(app, dw):
            m = db.session.scalar(select(Matter).where(Matter.title == "楼道扶手松动"))
            assert (m.author_name, m.author_id, m.on_behalf_by, m.origin) == ("刘奶奶", None, dw.staff.id, "staff")
            assert m.on_behalf_reason == "老人不会用手机，到站当面反映"
            assert db.session.get(Proxy, pid).matter_ids == [m.id]
        assert "刘奶奶（老人不会用手机，到站当面反映）" in staff.get(f"{base}/matters/{m.id}").text
        clock.travel(2 * 60)  # 31 minutes after the reason was given
        before = _matters(app, dw)
        resp = post(staff, f"{base}/stations/{dw.station_id}/matters",
                    {"title": "再代提一件", "body": "内容", "proxy_id": str(pid)})
        assert resp.status_code == 422 and "代办时段（30 分钟）已结束" in resp.text
        assert _matters(app, dw) == before
        assert "正在代 刘奶奶 办理" not in staff.get(f"{base}/matters").text
    finally:
        clock.reset()
    # a resident may not act for others, nor use someone else's window
    assert post(client_for(app, dw.resident), f"{base}/stations/{dw.station_id}/proxy",
                {"resident_name": "张三", "reason": "帮邻居提出"}).status_code == 403
    resp = post(client_for(app, dw.resident), f"{base}/stations/{dw.station_id}/matters",
                {"title": "冒用代办", "body": "内容", "proxy_id": str(pid)})
    assert resp.status_code == 422 and "权限" in resp.text


def _matters(app, dw):
    from plugins.discussion.models import Matter
    with app.app_context(), in_tenant(app, dw):
        return db.session.scalar(select(func.count()).select_from(Matter))
