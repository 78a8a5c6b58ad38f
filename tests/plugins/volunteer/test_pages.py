"""Every page of the plugin renders for staff with real rows, forms answer 422 in Chinese and write
nothing, and the exports are spreadsheets."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.db import db
from core.testing.factories import post

from .conftest import client_for, in_tenant, make_activity, make_post, register


def test_every_page_renders_with_rows(app, vw):
    from plugins.volunteer.models import Volunteer
    from plugins.volunteer.services import people, public, rewards
    vid = register(app, vw, 0, kind="retired_member", role="mediator")
    aid = make_activity(app, vw, date(2026, 6, 10))
    make_post(app, vw, capacity=2)
    tid = in_tenant(app, vw.street, lambda: people.create_team({"name": "先锋队", "type": "party_member",
                                                               "org_unit_id": vw.community.id,
                                                               "leader_id": vid}).id, user_id=vw.admin.id)
    in_tenant(app, vw.street, lambda: rewards.create_item({"name": "毛巾", "org_unit_id": vw.community.id,
                                                           "points": 5, "stock": 3}), user_id=vw.admin.id)
    from plugins.volunteer.services import ledger
    in_tenant(app, vw.street, lambda: ledger.earn(vid, 90, 150, date(2026, 6, 10), ("test", 0), "p1"))
    cert = in_tenant(app, vw.street, lambda: public.issue(db.session.get(Volunteer, vid), {
        "range_from": date(2026, 1, 1), "range_to": date(2026, 12, 31)}), user_id=vw.admin.id)
    c = client_for(app, vw.admin)
    base = f"/t/{vw.street.slug}/volunteer"
    for path in ("/", f"/{vid}", "/teams", f"/teams/{tid}", "/posts", "/claims", "/activities", f"/activities/{aid}",
                 f"/activities/{aid}/kiosk", f"/activities/{aid}/roster", "/approvals", "/rewards", "/pickup",
                 "/boards", f"/boards/{vw.community.id}", f"/certificates/{cert.id}", "/reports",
                 "/reports/employers", "/widgets/pending", "/widgets/summary", "/me"):
        resp = c.get(base + path)
        assert resp.status_code == 200, f"{path} → {resp.status_code}"
    page = c.get(f"{base}/{vid}").get_data(as_text=True)
    assert "矛盾调解员" in page and "1.5" in page and cert.number in page
    sheet = c.get(f"{base}/exports/points.xlsx")
    assert sheet.status_code == 200 and sheet.data.startswith(b"PK")
    assert c.get(f"{base}/exports/nothing.xlsx").status_code == 404


def test_a_bad_form_answers_422_in_chinese_and_writes_nothing(app, vw):
    from plugins.volunteer.models import Activity, ServicePost
    c = client_for(app, vw.admin)
    base = f"/t/{vw.street.slug}/volunteer"
    resp = post(c, f"{base}/posts", {"title": "", "kind": "resident_service", "org_unit_id": vw.community.id,
                                      "capacity": "0"})
    assert resp.status_code == 422 and "必填项" in resp.get_data(as_text=True)
    resp = post(c, f"{base}/activities", {"title": "助老", "type": "elderly", "org_unit_id": vw.community.id,
                                           "day": "2026-06-10", "start_time": "10:00", "end_time": "09:00",
                                           "capacity": "10"})
    assert resp.status_code == 422 and "结束时间须晚于开始时间" in resp.get_data(as_text=True)
    counts = in_tenant(app, vw.street, lambda: (db.session.scalar(select(func.count()).select_from(ServicePost)),
                                                db.session.scalar(select(func.count()).select_from(Activity))))
    assert counts == (0, 0)
