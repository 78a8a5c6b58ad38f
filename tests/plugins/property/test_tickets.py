"""The ticket state machine (spec §3.1): every transition and every refusal, through the pages, with the
timeline (append-only) and who may take each step."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from core.api import db

from .conftest import act, client_for, in_tenant, report, ticket_row, url


def states(app, pw, ticket_id):
    from plugins.property.models import TicketAction
    with app.app_context(), in_tenant(pw):
        return [a.payload.get("to") for a in db.session.scalars(select(TicketAction).where(
            TicketAction.ticket_id == ticket_id, TicketAction.kind == "status_change").order_by(TicketAction.id))]


def test_a_resident_reports_the_company_accepts_starts_completes_and_the_resident_rates(app, pw):
    t = report(app, pw)
    row = ticket_row(app, pw, t)
    assert row.state == "NEW" and row.provider_id == pw.companies["market"] and row.case_no
    assert row.response_due is not None and row.complete_due is not None
    page = client_for(app, pw.resident).get(url(pw, f"/tickets/{t}"))
    assert "距转社区督办还剩" in page.text and "待接单" in page.text
    assert act(app, pw, pw.provider, t, "accept").status_code == 303
    assert act(app, pw, pw.provider, t, "start").status_code == 303
    resp = act(app, pw, pw.provider, t, "complete", result="已更换灯泡")
    assert resp.status_code == 422 and "完工照片" in resp.text  # public-area work needs an after-photo
    assert act(app, pw, pw.provider, t, "complete", result="已更换灯泡", photo="IMG-0001").status_code == 303
    assert ticket_row(app, pw, t).state == "COMPLETED"
    assert act(app, pw, pw.resident, t, "rate", rating="good").status_code == 303
    row = ticket_row(app, pw, t)
    assert row.state == "CLOSED" and row.close_reason == "rated" and row.rating == "good"
    assert states(app, pw, t) == ["NEW", "ACCEPTED", "IN_PROGRESS", "COMPLETED", "CLOSED"]


def test_only_the_serving_company_acts_as_provider_and_only_the_reporter_rates(app, pw):
    t = report(app, pw)
    resp = act(app, pw, pw.other_provider, t, "accept")  # another company's staff: not even visible
    assert resp.status_code == 404
    resp = act(app, pw, pw.staff, t, "accept")
    assert resp.status_code == 422 and "物业企业员工" in resp.text
    resp = act(app, pw, pw.resident, t, "accept")
    assert resp.status_code == 422
    act(app, pw, pw.provider, t, "accept")
    act(app, pw, pw.provider, t, "start")
    act(app, pw, pw.provider, t, "complete", result="修好", photo="IMG-2")
    resp = act(app, pw, pw.provider, t, "rate", rating="good")
    assert resp.status_code == 422 and "报事的居民本人" in resp.text
    assert ticket_row(app, pw, t).state == "COMPLETED"


def test_refusals_from_the_wrong_state_write_nothing(app, pw):
    t = report(app, pw)
    for action in ("start", "complete", "rate", "dispute"):
        who = pw.resident if action in ("rate", "dispute") else pw.provider
        resp = act(app, pw, who, t, action, result="x", photo="p", rating="good")
        assert resp.status_code == 422 and "当前状态不能办理" in resp.text, action
    assert ticket_row(app, pw, t).state == "NEW" and states(app, pw, t) == ["NEW"]
    resp = act(app, pw, pw.provider, t, "accept", version=99)  # someone else moved it first
    assert resp.status_code == 409


def test_decline_reasons_the_not_property_event_and_the_dispute_window(app, pw):
    from core.events.models import EventOutbox
    t = report(app, pw)
    resp = act(app, pw, pw.provider, t, "decline", reason="BECAUSE")
    assert resp.status_code == 422 and "退单原因" in resp.text
    assert act(app, pw, pw.provider, t, "decline", reason="NOT_PROPERTY_MATTER").status_code == 303
    row = ticket_row(app, pw, t)
    assert row.state == "DECLINED" and row.decline_reason == "NOT_PROPERTY_MATTER"
    with app.app_context(), in_tenant(pw):
        names = list(db.session.scalars(select(EventOutbox.name)))
    assert "property.ticket_declined_not_property" in names
    assert act(app, pw, pw.resident, t, "dispute", text="是楼道公共照明").status_code == 303
    assert ticket_row(app, pw, t).disputed is True
    resp = act(app, pw, pw.resident, t, "dispute", text="again")
    assert resp.status_code == 422 and "已经提出过异议" in resp.text
    with app.app_context(), in_tenant(pw):
        assert "property.decline_disputed" in list(db.session.scalars(select(EventOutbox.name)))
    late = report(app, pw)
    act(app, pw, pw.provider, late, "decline", reason="DUPLICATE")
    from plugins.property.models import Ticket
    with app.app_context(), in_tenant(pw):
        row = db.session.get(Ticket, late)
        row.declined_at = row.declined_at - timedelta(days=8)
    resp = act(app, pw, pw.resident, late, "dispute", text="太晚了")
    assert resp.status_code == 422 and "不能再提出异议" in resp.text


def test_returned_for_rework_reopens_and_restarts_the_clock(app, pw):
    t = report(app, pw)
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "修好", "photo": "P1"})):
        act(app, pw, pw.provider, t, step, **data)
    resp = act(app, pw, pw.resident, t, "rate", rating="returned")
    assert resp.status_code == 422 and "退回重修须说明原因" in resp.text
    before = ticket_row(app, pw, t).clock_from
    assert act(app, pw, pw.resident, t, "rate", rating="returned", reasons="没修好").status_code == 303
    row = ticket_row(app, pw, t)
    assert row.state == "NEW" and row.reopen_n == 1 and row.clock_from >= before and row.rating_reasons == ["没修好"]


def test_withdraw_only_before_work_starts(app, pw):
    t = report(app, pw)
    act(app, pw, pw.provider, t, "accept")
    assert act(app, pw, pw.resident, t, "withdraw").status_code == 303
    row = ticket_row(app, pw, t)
    assert row.state == "CLOSED" and row.close_reason == "withdrawn"
    t2 = report(app, pw)
    act(app, pw, pw.provider, t2, "accept")
    act(app, pw, pw.provider, t2, "start")
    assert act(app, pw, pw.resident, t2, "withdraw").status_code == 422


def test_defer_pauses_and_the_job_resumes_on_the_date(app, pw):
    from plugins.property.services import scope, supervision
    t = report(app, pw)
    act(app, pw, pw.provider, t, "accept")
    resp = act(app, pw, pw.provider, t, "defer", deferred_until="2100-01-01", reason="等配件")
    assert resp.status_code == 422 and "一年之内" in resp.text
    with app.app_context(), in_tenant(pw):
        tomorrow = scope.today() + timedelta(days=1)
    resp = act(app, pw, pw.provider, t, "defer", deferred_until=tomorrow.isoformat())
    assert resp.status_code == 422 and "暂缓原因" in resp.text
    assert act(app, pw, pw.provider, t, "defer", deferred_until=tomorrow.isoformat(), reason="等配件").status_code == 303
    assert ticket_row(app, pw, t).state == "DEFERRED"
    page = client_for(app, pw.resident).get(url(pw, f"/tickets/{t}"))
    assert tomorrow.isoformat() in page.text  # the resident is shown the date
    with app.app_context(), in_tenant(pw):
        assert supervision.run()["escalated"] == 0  # paused
        assert supervision.resume_due(scope.today()) == 0
        assert supervision.resume_due(tomorrow) == 1
    assert ticket_row(app, pw, t).state == "ACCEPTED"


def test_seven_days_without_a_rating_close_as_not_rated(app, pw):
    from core.api import clock
    from plugins.property.services import supervision
    t = report(app, pw)
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "修好", "photo": "P1"})):
        act(app, pw, pw.provider, t, step, **data)
    with app.app_context(), in_tenant(pw):
        assert supervision.auto_close(clock.utcnow() + timedelta(days=6)) == 0
        assert supervision.auto_close(clock.utcnow() + timedelta(days=7, minutes=1)) == 1
    row = ticket_row(app, pw, t)
    assert row.state == "CLOSED" and row.close_reason == "not_rated" and row.rating is None
    assert "未评价" in client_for(app, pw.resident).get(url(pw, "/tickets")).text


def test_a_phone_ticket_gets_a_callback_three_misses_close_it(app, pw):
    t = report(app, pw, account=pw.staff, channel="phone", description="电话反映：垃圾未清运")
    assert ticket_row(app, pw, t).reporter_user_id is None
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "已清运", "photo": "P"})):
        assert act(app, pw, pw.provider, t, step, **data).status_code == 303
    resp = act(app, pw, pw.staff, t, "callback", result="dissatisfied")
    assert resp.status_code == 422 and "具体原因" in resp.text
    for _ in range(2):
        assert act(app, pw, pw.staff, t, "callback", result="unreachable").status_code == 303
    assert ticket_row(app, pw, t).state == "COMPLETED"
    assert act(app, pw, pw.staff, t, "callback", result="unreachable").status_code == 303
    row = ticket_row(app, pw, t)
    assert row.state == "CLOSED" and row.callback_result == "unreachable" and row.close_reason == "callback"
    t2 = report(app, pw, account=pw.staff, channel="phone")
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "已清运", "photo": "P"})):
        act(app, pw, pw.provider, t2, step, **data)
    assert act(app, pw, pw.staff, t2, "callback", result="dissatisfied", reason="仍有垃圾").status_code == 303
    assert ticket_row(app, pw, t2).state == "NEW" and ticket_row(app, pw, t2).reopen_n == 1
    resident_ticket = report(app, pw)
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "好", "photo": "P"})):
        act(app, pw, pw.provider, resident_ticket, step, **data)
    resp = act(app, pw, pw.staff, resident_ticket, "callback", result="satisfied")
    assert resp.status_code == 422 and "无需回访" in resp.text


def test_internal_notes_never_reach_the_resident_and_the_timeline_is_append_only(app, pw):
    t = report(app, pw)
    assert act(app, pw, pw.provider, t, "comment", text="维修工明天到").status_code == 303
    assert act(app, pw, pw.provider, t, "comment", text="这户很难缠", internal="true").status_code == 303
    resident_page = client_for(app, pw.resident).get(url(pw, f"/tickets/{t}")).text
    assert "维修工明天到" in resident_page and "这户很难缠" not in resident_page
    assert "这户很难缠" in client_for(app, pw.staff).get(url(pw, f"/tickets/{t}")).text
    with app.app_context(), in_tenant(pw):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE property__ticket_action SET payload = '{}' WHERE ticket_id = :t"), {"t": t})
        db.session.rollback()


def test_an_incident_links_new_tickets_of_its_compound_with_its_notice(app, pw):
    from core.api import clock
    from core.testing.factories import post
    now = clock.local(clock.utcnow())
    c = client_for(app, pw.staff)
    resp = post(c, url(pw, "/incidents/new"), {"compound_id": pw.compounds[0].id, "kind": "water",
                                              "window_start": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                                              "window_end": (now + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
                                              "staff_script": "二次供水水箱清洗，预计18点恢复供水"})
    assert resp.status_code == 303, resp.text[:500]
    t = report(app, pw, description="家里没水了")
    assert ticket_row(app, pw, t).incident_id is not None
    assert "预计18点恢复供水" in client_for(app, pw.resident).get(url(pw, f"/tickets/{t}")).text
    resp = post(c, url(pw, "/incidents/new"), {"compound_id": pw.compounds[0].id, "kind": "water",
                                              "window_start": "2030-01-01T10:00", "window_end": "2030-01-01T09:00",
                                              "staff_script": "x"})
    assert resp.status_code == 422 and "结束时间须晚于开始时间" in resp.text


def test_bad_reports_answer_422_in_chinese(app, pw):
    from core.testing.factories import post
    c = client_for(app, pw.resident)
    resp = post(c, url(pw, "/tickets/new"), {"compound_id": pw.compounds[0].id, "description": ""})
    assert resp.status_code == 422 and "必填项" in resp.text
    resp = post(c, url(pw, "/tickets/new"), {"compound_id": pw.compounds[1].id, "category_id": 1, "description": "x"})
    assert resp.status_code == 422 and "请选择小区" in resp.text  # not the resident's compound
