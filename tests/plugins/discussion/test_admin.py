"""议事站管理 and 共建单位: stations, members with effective dates, co-building units extending core's resident
units, covenants with terms. Invalid input answers 422 in Chinese with nothing written; every write asks about
the object's own unit."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.api import db
from core.testing.factories import post

from .conftest import client_for, in_tenant

STATION = {"org_unit_id": "", "level": "community", "display_name": "“谢家集先锋”党群议事站（立新社区）",
           "quorum_min": "3", "pass_rule": "majority_of_present", "publicity_days": "7", "support_freeze_n": "10",
           "min_meetings_per_quarter": "1", "status": "active"}


def _today(app, dw):
    from plugins.discussion.services import cycles
    with app.app_context(), in_tenant(app, dw):
        return cycles.today()  # Asia/Shanghai


def _count(app, dw, model):
    with app.app_context(), in_tenant(app, dw):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_street_sets_up_a_station_and_bad_input_writes_nothing(app, dw, create_unit):
    from plugins.discussion.models import Station
    other = create_unit(dw.street, dw.street.root_id, "community", "立新社区")
    c = client_for(app, dw.chair)
    base = f"/t/{dw.street.slug}/discussion/admin/stations"
    before = _count(app, dw, Station)
    resp = post(c, base, {**STATION, "org_unit_id": str(other.id), "quorum_min": "0", "publicity_days": "x"})
    assert resp.status_code == 422
    assert "请填写 1–50 之间的整数" in resp.text and "格式不正确" in resp.text
    assert _count(app, dw, Station) == before
    resp = post(c, base, {**STATION, "org_unit_id": str(dw.community.id)})
    assert resp.status_code == 422 and "已有议事站" in resp.text
    resp = post(c, base, {**STATION, "org_unit_id": str(other.id), "decision_publicity": "on"})
    assert resp.status_code == 303, resp.text[:300]
    page = c.get(resp.headers["Location"]).text
    assert "立新社区" in page and "议事规则" in page
    with app.app_context(), in_tenant(app, dw):
        s = db.session.scalar(select(Station).where(Station.org_unit_id == other.id))
        assert (s.decision_publicity, s.publicity_days, s.quorum_min) == (True, 7, 3)
        sid = s.id
    resp = post(c, f"{base}/{sid}", {**STATION, "org_unit_id": str(other.id), "publicity_days": "10"})
    assert resp.status_code == 303
    with app.app_context(), in_tenant(app, dw):
        s = db.session.get(Station, sid)
        assert (s.publicity_days, s.decision_publicity) == (10, False)  # the unticked box turns it off
    assert "立新社区" in c.get(base).text
    # community staff may not set up or change stations at all
    assert post(client_for(app, dw.staff), base, {**STATION, "org_unit_id": str(other.id)}).status_code == 403


def test_members_voting_or_not_with_effective_dates_and_history_kept(app, dw, create_unit, create_user):
    from plugins.discussion.models import Member
    from plugins.discussion.services import meetings
    from plugins.discussion.models import Station
    c = client_for(app, dw.staff)
    url = f"/t/{dw.street.slug}/discussion/admin/stations/{dw.station_id}/members"
    today = _today(app, dw)
    resp = post(c, url, {"name": "", "role": "boss", "valid_from": today.isoformat()})
    assert resp.status_code == 422 and "必填项" in resp.text and "请选择角色" in resp.text
    resp = post(c, url, {"name": "赵委员", "role": "member", "valid_from": today.isoformat(),
                         "valid_to": (today - timedelta(days=1)).isoformat()})
    assert resp.status_code == 422 and "离任日期不能早于任职日期" in resp.text
    assert _count(app, dw, Member) == 0
    for name, role, voting in (("张书记", "chair", "on"), ("李委员", "member", "on"), ("王列席", "observer", "")):
        assert post(c, url, {"name": name, "role": role, "voting": voting, "unit_id": str(dw.units[0]),
                             "valid_from": (today - timedelta(days=30)).isoformat()}).status_code == 303
    page = c.get(f"/t/{dw.street.slug}/discussion/admin/stations/{dw.station_id}").text
    assert "张书记" in page and "无（列席）" in page and "淮南供电公司" in page
    with app.app_context(), in_tenant(app, dw):
        station = db.session.get(Station, dw.station_id)
        assert [m.name for m in meetings.voting_members(station)] == ["张书记", "李委员"]
        li = db.session.scalar(select(Member).where(Member.name == "李委员")).id
    # 李委员 becomes an observer from today: the voting term ends yesterday, a new row starts today
    resp = post(c, f"/t/{dw.street.slug}/discussion/admin/members/{li}",
                {"name": "李委员", "role": "observer", "valid_from": today.isoformat()})
    assert resp.status_code == 303, resp.text[:300]
    with app.app_context(), in_tenant(app, dw):
        rows = db.session.scalars(select(Member).where(Member.name == "李委员").order_by(Member.id)).all()
        assert [(r.role, r.voting, r.valid_to) for r in rows] == [("member", True, today - timedelta(days=1)),
                                                                   ("observer", False, None)]
        assert [m.name for m in meetings.voting_members(db.session.get(Station, dw.station_id))] == ["张书记"]
    page = c.get(f"/t/{dw.street.slug}/discussion/admin/stations/{dw.station_id}").text
    assert "已离任" in page
    # another community's staff may not touch this station's members
    elsewhere = create_unit(dw.street, dw.street.root_id, "community", "立新社区")
    stranger = client_for(app, create_user(dw.street, "community_staff", unit_id=elsewhere.id))
    resp = post(stranger, url, {"name": "外人", "role": "member", "valid_from": today.isoformat()})
    assert resp.status_code == 422 and "没有在该议事站办理此事的权限" in resp.text
    assert post(stranger, f"/t/{dw.street.slug}/discussion/admin/members/{li}",
                {"name": "改名", "role": "chair", "voting": "on", "valid_from": today.isoformat()}).status_code == 422


def test_co_building_units_extend_resident_units_and_covenants_have_terms(app, dw, create_unit, create_user):
    from core.api import ResidentUnit
    from plugins.discussion.models import Covenant, Unit
    elsewhere = create_unit(dw.street, dw.street.root_id, "community", "立新社区")
    with app.app_context(), in_tenant(app, dw):
        ru = ResidentUnit(name="谢家集区税务局", uscc="11340404MB1234567A", kind="党政机关", org_unit_id=dw.community.id)
        far = ResidentUnit(name="立新小学", uscc="12340404MB7654321B", kind="学校", org_unit_id=elsewhere.id)
        db.session.add_all([ru, far])
        db.session.flush()
        ru_id, far_id = ru.id, far.id
        db.session.commit()
    c = client_for(app, dw.chair)
    base = f"/t/{dw.street.slug}/discussion/units"
    assert f'value="{ru_id}"' in c.get(base).text  # a core resident unit not yet extended is offered
    before = _count(app, dw, Unit)
    resp = post(c, base, {"resident_unit_id": str(ru_id), "name": "谢家集区税务局", "uscc": "123", "type": "火星"})
    assert resp.status_code == 422 and "统一社会信用代码应为 18 位" in resp.text and "请选择类型" in resp.text
    resp = post(c, base, {"resident_unit_id": str(ru_id), "name": "谢家集区税务局", "uscc": "91340400MA2T00000X",
                          "type": "党政机关"})
    assert resp.status_code == 422 and "已登记" in resp.text  # the fixture's unit has that uscc
    resp = post(c, base, {"resident_unit_id": str(ru_id), "name": "谢家集区税务局", "uscc": "11340404mb1234567a",
                          "type": "党政机关", "party_org_name": "税务局机关党委", "contact": "王科长 13800001111"})
    assert resp.status_code == 303, resp.text[:300]
    assert _count(app, dw, Unit) == before + 1
    unit_url = resp.headers["Location"]
    uid = int(unit_url.rsplit("/", 1)[1])
    with app.app_context(), in_tenant(app, dw):
        u = db.session.get(Unit, uid)
        assert (u.resident_unit_id, u.uscc, u.party_org_name) == (ru_id, "11340404MB1234567A", "税务局机关党委")
    # a covenant: communities required, the end not before the start; nothing written on a refusal
    resp = post(c, f"{unit_url}/covenants", {"term_start": "2026-01-01", "term_end": "2026-12-31", "commitments": ""})
    assert resp.status_code == 422 and "请至少选择一个社区" in resp.text and "必填项" in resp.text
    resp = post(c, f"{unit_url}/covenants", {"org_unit_ids": [str(dw.community.id)], "term_start": "2026-01-01",
                                              "term_end": "2025-12-31", "commitments": "共建"})
    assert resp.status_code == 422 and "协议终止日期不能早于起始日期" in resp.text
    assert _count(app, dw, Covenant) == 0
    resp = post(c, f"{unit_url}/covenants", {"org_unit_ids": [str(dw.community.id), str(elsewhere.id)],
                                              "term_start": "2026-01-01", "term_end": "2027-12-31",
                                              "commitments": "每季度开展一次税法宣传进社区"})
    assert resp.status_code == 303, resp.text[:300]
    page = c.get(unit_url).text
    assert "和平社区、立新社区" in page and "税法宣传" in page and "2027-12-31" in page
    with app.app_context(), in_tenant(app, dw):
        cid = db.session.scalar(select(Covenant.id))
    resp = post(c, f"/t/{dw.street.slug}/discussion/covenants/{cid}",
                {"org_unit_ids": [str(dw.community.id)], "term_start": "2026-01-01", "term_end": "2028-06-30",
                 "commitments": "每季度开展一次税法宣传进社区"})
    assert resp.status_code == 303
    with app.app_context(), in_tenant(app, dw):
        c_ = db.session.get(Covenant, cid)
        assert (c_.org_unit_ids, c_.term_end) == ([dw.community.id], date(2028, 6, 30))
    # deactivating a unit through its page flags its committed claims (spec §4.9)
    resp = post(c, unit_url, {"resident_unit_id": str(ru_id), "name": "谢家集区税务局", "uscc": "11340404MB1234567A",
                              "type": "党政机关", "status": "inactive"})
    assert resp.status_code == 303
    # a street officer granted only at another community manages units there, not this one
    local = client_for(app, create_user(dw.street, "street_staff", unit_id=elsewhere.id))
    resp = post(local, unit_url, {"name": "改名", "uscc": "11340404MB1234567A", "type": "党政机关"})
    assert resp.status_code == 422 and "没有在该组织办理此事的权限" in resp.text
    resp = post(local, base, {"resident_unit_id": str(far_id), "name": "立新小学", "uscc": "12340404MB7654321B",
                              "type": "学校"})
    assert resp.status_code == 303
    assert post(client_for(app, dw.staff), base, {"name": "x", "uscc": "12340404MB7654321C",
                                                  "type": "学校"}).status_code == 403
