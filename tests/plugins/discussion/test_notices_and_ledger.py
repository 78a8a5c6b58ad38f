"""The public notice board (公示栏) with objections to the last second of the last day, decision publicity
before a project, the printable meeting 台账, and the yearly co-building unit report with its XLSX."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from core import clock
from core.api import db, Refused
from core.testing.factories import post

from .conftest import client_for, in_tenant, make_item, propose
from .test_deliberation import _hold_meeting, seated  # noqa: F401 - the fixture is shared


def _station_flag(app, dw, **values):
    from plugins.discussion.models import Station
    with app.app_context(), in_tenant(app, dw):
        s = db.session.get(Station, dw.station_id)
        for k, v in values.items():
            setattr(s, k, v)
        db.session.commit()


def test_a_decision_is_public_and_an_objection_counts_until_midnight_of_the_last_day(app, dw, seated):  # noqa: F811
    from plugins.discussion.models import Decision, Objection, Publicity
    from plugins.discussion.services import publicity
    _station_flag(app, dw, decision_publicity=True)
    mid, did = _hold_meeting(app, dw, seated)
    board = f"/t/{dw.street.slug}/discussion/stations/{dw.station_id}/notices"
    with app.app_context(), in_tenant(app, dw):
        notice = db.session.scalar(select(Publicity).where(Publicity.matter_id == mid))
        assert (notice.subject, (notice.ends_on - notice.starts_on).days) == ("decision", 6)
        with pytest.raises(Refused, match="决定公示尚未结束"):
            publicity.start_project(db.session.get(Decision, did), {"title": "车棚"})
        notice.ends_on = publicity.cycles.today()  # today is the last day
        pid, last_day = notice.id, notice.ends_on
        db.session.commit()
    anonymous = app.test_client().get(board)  # the bulletin board's QR code: no sign-in
    assert anonymous.status_code == 200
    assert "决定公示" in anonymous.text and "小区南门增设非机动车棚" in anonymous.text
    assert "今天是公示最后一天" in anonymous.text and "登录后提出异议" in anonymous.text
    try:
        # 23:59:00 Asia/Shanghai on the last day: still inside the window
        until = datetime.combine(last_day, time(23, 59), tzinfo=clock.SHANGHAI) - clock.utcnow()
        clock.travel(until.total_seconds())
        resident = client_for(app, dw.other_resident)
        signed = f"/t/{dw.street.slug}/discussion/stations/{dw.station_id}/board"
        assert 'name="text"' in resident.get(signed).text
        resp = post(resident, f"{board}/{pid}/object", {"text": "车棚挡住了消防通道"})
        assert resp.status_code == 303, resp.text[:300]
        assert "车棚挡住了消防通道" in app.test_client().get(board).text
        resp = post(resident, f"{board}/{pid}/object", {"text": ""})
        assert resp.status_code == 422 and "必填项" in resp.text
        clock.travel(120)  # 00:01 the next day: the window has closed
        before = _objections(app, dw)
        resp = post(resident, f"{board}/{pid}/object", {"text": "再提一条"})
        assert resp.status_code == 422 and "异议期已于" in resp.text and last_day.isoformat() in resp.text
        assert _objections(app, dw) == before
        page = resident.get(signed).text
        assert "异议期已截止" in page and 'name="text"' not in page
    finally:
        clock.reset()
    with app.app_context(), in_tenant(app, dw, dw.staff):
        publicity.answer(db.session.scalar(select(Objection)), {"state": "dismissed", "answer": "已核实，不挡通道"})
        assert publicity.close_due(last_day + timedelta(days=1)) == 1
        assert publicity.start_project(db.session.get(Decision, did), {"title": "车棚"}).id
        db.session.commit()
    assert "目前没有正在公示的事项" in app.test_client().get(board).text


def _objections(app, dw):
    from plugins.discussion.models import Objection
    with app.app_context(), in_tenant(app, dw):
        return db.session.scalars(select(Objection.text)).all()


def test_the_meeting_ledger_prints_attendance_quorum_agenda_votes_decisions_and_minutes(app, dw, seated, create_unit,  # noqa: F811
                                                                                        create_user):
    from plugins.discussion.models import Decision, Meeting
    mid, did = _hold_meeting(app, dw, seated)
    url = f"/t/{dw.street.slug}/discussion/meetings/{seated['meeting']}/ledger"
    c = client_for(app, dw.chair)
    assert "打印台账" in c.get(f"/t/{dw.street.slug}/discussion/meetings/{seated['meeting']}").text
    page = c.get(url).text
    with app.app_context(), in_tenant(app, dw):
        decision, meeting = db.session.get(Decision, did), db.session.get(Meeting, seated["meeting"])
        dhash, mhash = decision.hash, meeting.hash
    for expected in ("签到表", "委员0", "委员5", "列席", "表决成员 5 人，法定人数 3 人，实到表决成员 4 人", "达到法定人数",
                     "清单审议", "小区南门增设非机动车棚", "赞成 3，反对 0，弃权 0", "通过", dhash, mhash, "会议纪要",
                     "主持人签字"):
        assert expected in page, expected
    assert client_for(app, dw.resident).get(url).status_code == 403
    elsewhere = create_unit(dw.street, dw.street.root_id, "community", "立新社区")
    assert client_for(app, create_user(dw.street, "community_staff", unit_id=elsewhere.id)).get(url).status_code == 403


def test_the_yearly_unit_report_counts_verified_claims_per_unit_and_exports(app, dw):
    from openpyxl import load_workbook

    from plugins.discussion.models import Claim, Covenant
    from plugins.discussion.services import cycles, lists
    item = make_item(app, dw, quantity=5)
    a = propose(app, dw, item, 0, 2)
    b = propose(app, dw, item, 1, 1)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        claim = db.session.get(Claim, a)
        lists.confirm(claim)
        lists.commit(claim, {"plan": "每月两次义诊", "committed_on": cycles.today()})
        lists.deliver(claim, {"evidence": "照片 3 张"})
        year = cycles.today().year
        db.session.add(Covenant(unit_id=dw.units[0], org_unit_ids=[dw.community.id],
                                term_start=cycles.today().replace(month=1, day=1),
                                term_end=cycles.today().replace(month=12, day=31), commitments="义诊"))
        db.session.commit()
    with app.app_context(), in_tenant(app, dw, dw.chair):
        lists.verify(db.session.get(Claim, a))
        db.session.commit()
    c = client_for(app, dw.chair)
    page = c.get(f"/t/{dw.street.slug}/discussion/unit-report?year={year}").text
    assert f"{year} 年共建单位报告" in page and "淮南供电公司" in page and "built-in" not in page
    resp = c.get(f"/t/{dw.street.slug}/discussion/unit-report.xlsx?year={year}")
    assert resp.status_code == 200
    rows = list(load_workbook(BytesIO(resp.data)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("单位", "统一社会信用代码", "类型")
    by_name = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert (by_name["淮南供电公司"]["验收认领"], by_name["淮南供电公司"]["验收数量"]) == (1, 2)
    assert by_name["淮南供电公司"]["共建协议"].startswith(f"{year}-01-01")
    assert (by_name["谢家集区人民医院"]["提出认领"], by_name["谢家集区人民医院"]["验收认领"]) == (1, 0)
    assert b
    last = c.get(f"/t/{dw.street.slug}/discussion/unit-report.xlsx?year={year - 1}")
    prev = {r[0]: r for r in list(load_workbook(BytesIO(last.data)).active.iter_rows(values_only=True))[1:]}
    assert prev["淮南供电公司"][5] == 0  # nothing verified the year before
    assert client_for(app, dw.resident).get(f"/t/{dw.street.slug}/discussion/unit-report").status_code == 403
