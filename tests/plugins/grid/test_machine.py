"""Every transition and guard of the event state machine (domain/grid.md §3), refusals included."""
from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope

from .conftest import act, client_for, report, state_of


def timeline(app, gw, event_id):
    from plugins.grid.models import Transition
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return [(t.code, t.to_state) for t in db.session.scalars(
            select(Transition).where(Transition.event_id == event_id).order_by(Transition.id))]


def event_row(app, gw, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        ev = db.session.get(GridEvent, event_id)
        db.session.expunge(ev)
        return ev


def test_the_full_loop_from_report_to_closure_after_a_callback(app, gw):
    e = report(app, gw)
    assert state_of(app, gw, e)[0] == "SUBMITTED"
    assert act(app, gw, gw.clerk, e, "accept").status_code == 200
    assert act(app, gw, gw.worker, e, "verify").status_code == 200
    assert act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id).status_code == 200
    assert event_row(app, gw, e).case_deadline is not None
    assert act(app, gw, gw.worker, e, "sign").status_code == 200
    assert act(app, gw, gw.worker, e, "submit_result", result="已清理", closure_type="RESOLVED").status_code == 200
    assert act(app, gw, gw.checker, e, "check_pass").status_code == 200
    assert state_of(app, gw, e)[0] == "AWAITING_CALLBACK", "a resident's report is called back"
    resp = act(app, gw, gw.clerk, e, "callback", callback_result="satisfied")
    assert resp.status_code == 200 and "已结案" in resp.text
    ev = event_row(app, gw, e)
    assert ev.closure_type == "RESOLVED" and ev.case_on_time is True and ev.callback_result == "satisfied"
    assert [code for code, _ in timeline(app, gw, e)] == ["T1", "T2", "T8", "T9", "T10", "T18", "T20", "T22"]


def test_the_checker_is_never_the_handler(app, gw):
    e = report(app, gw)
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.leader, "sign", {}),
                                (gw.leader, "submit_result", {"result": "已处理", "closure_type": "RESOLVED"})):
        assert act(app, gw, account, e, name, **data).status_code == 200
    refused = act(app, gw, gw.leader, e, "check_pass")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "核查须由处置人以外的人员进行" in refused.text
    assert state_of(app, gw, e)[0] == "AWAITING_CHECK"


def test_three_failed_checks_escalate_and_never_extend_the_case_deadline(app, gw):
    e = report(app, gw, source="GRID_PATROL", reporter_phone="")
    act(app, gw, gw.clerk, e, "register")
    act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
    act(app, gw, gw.worker, e, "sign")
    deadline = event_row(app, gw, e).case_deadline
    for n in range(3):
        act(app, gw, gw.worker, e, "submit_result", result="处理了", closure_type="RESOLVED")
        assert act(app, gw, gw.checker, e, "check_fail", reason="现场仍有杂物").status_code == 200
    ev = event_row(app, gw, e)
    assert ev.rework_n == 3 and ev.level == 1 and ev.case_deadline == deadline


def test_a_consultation_is_answered_on_the_spot_and_counted_in_person_times(app, gw):
    e = report(app, gw, code="CO-POLICY", title="低保怎么申请")
    assert act(app, gw, gw.clerk, e, "answer", answer="携带身份证到社区服务大厅申请").status_code == 200
    ev = event_row(app, gw, e)
    assert (ev.state, ev.closure_type, ev.case_deadline) == ("CLOSED", "CONSULT_ANSWERED", None)


def test_only_consultations_can_be_answered_on_the_spot(app, gw):
    e = report(app, gw, code="UP-ROAD")
    resp = act(app, gw, gw.clerk, e, "answer", answer="已答复")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只有政策咨询" in resp.text
    assert state_of(app, gw, e)[0] == "SUBMITTED"


def test_self_handling_is_allowed_only_where_the_category_says(app, gw):
    ok = report(app, gw, code="SA-CORRIDOR", source="GRID_PATROL")
    assert act(app, gw, gw.worker, ok, "self_handle", result="现场清理完毕").status_code == 200
    assert event_row(app, gw, ok).closure_type == "RESOLVED_ON_SPOT"
    no = report(app, gw, code="UP-BUILD", source="GRID_PATROL")
    assert "不允许网格员现场办结" in act(app, gw, gw.worker, no, "self_handle", result="拆了").text


def test_an_action_the_state_does_not_allow_is_refused(app, gw):
    e = report(app, gw)
    resp = act(app, gw, gw.worker, e, "sign")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "当前状态不能执行" in resp.text


def test_an_action_without_the_permission_is_forbidden(app, gw):
    e = report(app, gw)
    assert act(app, gw, gw.worker, e, "dispatch", handler_unit_id=gw.grid.id).status_code == HTTPStatus.FORBIDDEN


def test_missing_fields_come_back_inline(app, gw):
    e = report(app, gw)
    resp = act(app, gw, gw.clerk, e, "reject", reason_code="NOT_TRUE", reason="")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in resp.text
    assert resp.headers["HX-Retarget"] == "#event-card"
    assert state_of(app, gw, e)[0] == "SUBMITTED"


def test_reject_and_cancel_are_terminal(app, gw):
    e = report(app, gw)
    assert act(app, gw, gw.clerk, e, "reject", reason_code="NOT_TRUE", reason="现场核查无此情况").status_code == 200
    assert state_of(app, gw, e)[0] == "REJECTED"
    e2 = report(app, gw)
    assert act(app, gw, gw.leader, e2, "cancel", reason="反映人撤回").status_code == 200
    assert state_of(app, gw, e2)[0] == "CANCELLED"


def test_a_duplicate_merges_into_its_master_which_counts_both_demands(app, gw):
    master = report(app, gw)
    dup = report(app, gw)
    ref = event_row(app, gw, master).ref_no
    assert act(app, gw, gw.clerk, dup, "merge", master_ref=ref).status_code == 200
    assert state_of(app, gw, dup)[0] == "MERGED" and event_row(app, gw, master).demand_n == 2
    other = report(app, gw, code="UP-ROAD")
    assert "同一类别" in act(app, gw, gw.clerk, other, "merge", master_ref=ref).text


def test_a_merge_is_undone_while_the_master_is_open_and_not_after(app, gw):
    master = report(app, gw)
    dup = report(app, gw)
    act(app, gw, gw.clerk, dup, "accept")  # merged from VERIFYING: it goes back there
    ref = event_row(app, gw, master).ref_no
    act(app, gw, gw.clerk, dup, "merge", master_ref=ref)
    assert "必填项" in act(app, gw, gw.clerk, dup, "unmerge").text and state_of(app, gw, dup)[0] == "MERGED"
    assert act(app, gw, gw.clerk, dup, "unmerge", reason="不是同一处井盖").status_code == 200
    undone = event_row(app, gw, dup)
    assert (undone.state, undone.master_id, undone.stage) == ("VERIFYING", None, "verify")
    assert event_row(app, gw, master).demand_n == 1
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{master}").text
    assert "撤销合并" in page and "不是同一处井盖" in page  # the master's timeline says it lost a demand
    assert "并入重复事件" in page and event_row(app, gw, dup).ref_no in page  # and which event had joined it

    act(app, gw, gw.clerk, dup, "merge", master_ref=ref)
    act(app, gw, gw.clerk, master, "reject", reason_code="NOT_TRUE", reason="核实不属实")
    assert state_of(app, gw, master)[0] == "REJECTED"
    assert "主事件已办结" in act(app, gw, gw.clerk, dup, "unmerge", reason="试试").text
    assert 'data-action="unmerge"' not in client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{dup}").text
    assert state_of(app, gw, dup)[0] == "MERGED"


def test_two_returns_send_the_event_up_a_level(app, gw):
    e = report(app, gw)
    act(app, gw, gw.clerk, e, "register")
    act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
    act(app, gw, gw.worker, e, "return", reason_code="NOT_OUR_DUTY", reason="属于物业")
    act(app, gw, gw.clerk, e, "redispatch", handler_unit_id=gw.other_grid.id)
    assert state_of(app, gw, e)[0] == "DISPATCHED"
    refused = act(app, gw, gw.worker, e, "return", reason_code="WRONG_LOCATION", reason="不在本网格")
    assert refused.status_code == HTTPStatus.FORBIDDEN, "the first grid's worker no longer handles it"
    assert state_of(app, gw, e)[0] == "DISPATCHED"
    act(app, gw, gw.leader, e, "return", reason_code="WRONG_LOCATION", reason="不在本网格")
    act(app, gw, gw.clerk, e, "redispatch", handler_unit_id=gw.grid.id)
    ev = event_row(app, gw, e)
    assert (ev.state, ev.level, ev.return_n) == ("REGISTERED", 1, 2)
    assert [code for code, _ in timeline(app, gw, e)[-2:]] == ["T14", "T26"]  # the level change is a step (E6)


def test_extensions_at_most_twice_and_suspension_pauses_the_clock(app, gw):
    e = report(app, gw)
    act(app, gw, gw.clerk, e, "register")
    act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
    act(app, gw, gw.worker, e, "sign")
    first = event_row(app, gw, e).case_deadline
    assert act(app, gw, gw.leader, e, "extend", days=2, reason="等待配件").status_code == 200
    assert event_row(app, gw, e).case_deadline > first
    act(app, gw, gw.leader, e, "extend", days=1, reason="再等一天")
    assert "已延期两次" in act(app, gw, gw.leader, e, "extend", days=1, reason="还要").text
    assert act(app, gw, gw.leader, e, "suspend", reason_code="funding", reason="资金未到位").status_code == 200
    ev = event_row(app, gw, e)
    assert ev.state == "SUSPENDED" and ev.stage_deadline is None and ev.suspended_remaining_s
    assert act(app, gw, gw.leader, e, "resume").status_code == 200
    assert state_of(app, gw, e)[0] == "IN_PROGRESS"


def test_an_unsatisfied_callback_sends_the_event_back_and_reopen_works_within_the_window(app, gw):
    e = report(app, gw)
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.worker, "sign", {}), (gw.worker, "submit_result", {"result": "好了", "closure_type": "RESOLVED"}),
                                (gw.checker, "check_pass", {})):
        act(app, gw, account, e, name, **data)
    act(app, gw, gw.clerk, e, "callback", callback_result="unsatisfied", reason="还没弄好")
    assert state_of(app, gw, e)[0] == "IN_PROGRESS"
    act(app, gw, gw.worker, e, "submit_result", result="彻底清理", closure_type="RESOLVED")
    act(app, gw, gw.checker, e, "check_pass")
    act(app, gw, gw.clerk, e, "callback", callback_result="basic")
    assert state_of(app, gw, e)[0] == "CLOSED"
    assert act(app, gw, gw.clerk, e, "reopen", reason="又堆上了").status_code == 200
    assert event_row(app, gw, e).reopen_n == 1


def test_a_stale_form_gets_409_with_the_current_state(app, gw):
    from core.testing.factories import post

    from .conftest import client_for
    e = report(app, gw)
    _state, version = state_of(app, gw, e)
    assert act(app, gw, gw.clerk, e, "accept").status_code == 200
    c = client_for(app, gw.clerk)
    resp = post(c, f"/t/{gw.street.slug}/grid/{e}/act/register", {"version": version}, headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.CONFLICT and "刚被其他人处理过" in resp.text and "待核实" in resp.text


def test_a_grid_worker_sees_only_events_of_their_grid(app, gw):
    from .conftest import client_for
    mine = report(app, gw, title="本网格的事")
    theirs = report(app, gw, title="隔壁网格的事", grid_id=gw.other_grid.id)
    c = client_for(app, gw.worker)
    listing = c.get(f"/t/{gw.street.slug}/grid/?group=all").text
    assert "本网格的事" in listing and "隔壁网格的事" not in listing
    assert c.get(f"/t/{gw.street.slug}/grid/{theirs}").status_code == HTTPStatus.NOT_FOUND
    assert c.get(f"/t/{gw.street.slug}/grid/{mine}").status_code == HTTPStatus.OK


def test_the_queue_filters_by_title_start_urgency_and_pages_by_keyset(app, gw):
    from .conftest import client_for
    report(app, gw, title="100%满意的回访")
    report(app, gw, title="1000户停水")
    report(app, gw, title="井盖破损", urgency="URGENT")
    c = client_for(app, gw.clerk)
    base = f"/t/{gw.street.slug}/grid/?group=all"
    typed = c.get(f"{base}&q=100%25").text  # "%" is a letter the clerk typed, not a wildcard
    assert "100%满意的回访" in typed and "1000户停水" not in typed and "井盖破损" not in typed
    urgent = c.get(f"{base}&urgency=URGENT").text
    assert "井盖破损" in urgent and "1000户停水" not in urgent
    assert c.get(f"{base}&before=not-a-key").status_code == HTTPStatus.BAD_REQUEST


def test_the_deadline_explains_itself(app, gw):
    from .conftest import client_for
    e = report(app, gw)
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "为什么是这个时间" in page and "个工作小时，自" in page


def test_the_handling_unit_sees_an_event_located_elsewhere(app, gw, create_user):
    from .conftest import client_for
    e = report(app, gw, grid_id=gw.other_grid.id, title="隔壁网格交给本网格办")
    act(app, gw, gw.clerk, e, "register")
    act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
    assert client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}").status_code == HTTPStatus.OK
    assert act(app, gw, gw.worker, e, "sign").status_code == 200


def test_an_overdue_event_cannot_be_suspended_to_look_on_time(app, gw):
    from core import clock
    from plugins.grid.models import GridEvent
    from datetime import timedelta
    e = report(app, gw)
    act(app, gw, gw.clerk, e, "register")
    act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
    act(app, gw, gw.worker, e, "sign")
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(GridEvent, e).case_deadline = clock.utcnow() - timedelta(days=3)
    resp = act(app, gw, gw.leader, e, "suspend", reason_code="funding", reason="没钱")
    assert resp.status_code == 422 and "已超期的事件不能挂账" in resp.text


def test_a_stale_form_shows_the_current_card_in_the_page(app, gw):
    from .conftest import client_for
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{report(app, gw)}").text
    import json

    from core.testing.html import select_one
    config = json.loads(select_one(page, 'meta[name="htmx-config"]')["content"])
    assert {"code": "409", "swap": True} in config["responseHandling"]


def test_a_mass_incident_collects_new_reports_as_demands(app, gw):
    e = report(app, gw, code="LV-WATER", title="3栋停水")
    act(app, gw, gw.clerk, e, "register")
    assert act(app, gw, gw.leader, e, "declare_incident", hours=12, reason="管网抢修，预计傍晚恢复").status_code == 200
    later = report(app, gw, code="LV-WATER", title="我家也停水了")
    assert state_of(app, gw, later)[0] == "MERGED"
    assert event_row(app, gw, e).demand_n == 2
    elsewhere = report(app, gw, code="LV-WATER", title="隔壁网格停水", grid_id=gw.other_grid.id)
    assert state_of(app, gw, elsewhere)[0] == "SUBMITTED"


def test_unreachable_needs_three_attempts_over_two_working_days(app, gw):
    from datetime import timedelta

    from core import clock
    e = report(app, gw)
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.worker, "sign", {}), (gw.worker, "submit_result", {"result": "好了", "closure_type": "RESOLVED"}),
                                (gw.checker, "check_pass", {})):
        act(app, gw, account, e, name, **data)
    early = act(app, gw, gw.clerk, e, "callback", callback_result="unreachable")
    assert early.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "已回访 0 次" in early.text
    try:
        for _ in range(3):
            assert act(app, gw, gw.clerk, e, "callback_attempt").status_code == 200
            clock.travel(timedelta(days=2).total_seconds())
        clock.travel(timedelta(days=3).total_seconds())
        assert act(app, gw, gw.clerk, e, "callback", callback_result="unreachable").status_code == 200
    finally:
        clock.reset()
    assert state_of(app, gw, e)[0] == "CLOSED"


def set_sample(app, gw, pct):
    from core.testing.factories import post
    resp = post(client_for(app, gw.admin), f"/t/{gw.street.slug}/admin/modules/grid/settings",
                {"min_ranking_sample": "10", "reopen_window_days": "15", "public_reports": "on",
                 "self_handle_sample_pct": str(pct)}, headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.OK, resp.text[:300]


def test_a_drawn_on_the_spot_closure_is_rechecked_by_someone_else_and_a_failure_is_rework(app, gw):
    from core.ui.models import Notification
    set_sample(app, gw, 100)
    e = report(app, gw, code="SA-CORRIDOR", source="GRID_PATROL")
    act(app, gw, gw.worker, e, "self_handle", result="现场清理完毕")
    assert (event_row(app, gw, e).state, event_row(app, gw, e).recheck) == ("CLOSED", "due")
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        told = db.session.scalars(select(Notification.user_id).where(Notification.title.contains("抽查复核"))).all()
    assert told == [gw.grid_leader.id]  # the grid's leader, not the worker who closed it
    assert 'data-action="recheck_pass"' not in client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "办结人以外" in act(app, gw, gw.worker, e, "recheck_pass").text
    assert "已抽中" in client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    act(app, gw, gw.grid_leader, e, "recheck_fail", reason="楼道仍有纸箱")
    row = event_row(app, gw, e)
    assert (row.state, row.recheck, row.rework_n, row.closed_at) == ("IN_PROGRESS", "failed", 1, None)
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        back = db.session.scalars(select(Notification.user_id).where(Notification.title.contains("已返工"))).all()
    assert back == [gw.worker.id]

    passed = report(app, gw, code="SA-CORRIDOR", source="GRID_PATROL")
    act(app, gw, gw.worker, passed, "self_handle", result="已清理")
    act(app, gw, gw.grid_leader, passed, "recheck_pass")
    assert (event_row(app, gw, passed).state, event_row(app, gw, passed).recheck) == ("CLOSED", "passed")
    assert "没有被抽中" in act(app, gw, gw.grid_leader, passed, "recheck_pass").text


def test_with_no_sample_nothing_is_drawn(app, gw):
    set_sample(app, gw, 0)
    e = report(app, gw, code="SA-CORRIDOR", source="GRID_PATROL")
    act(app, gw, gw.worker, e, "self_handle", result="现场清理完毕")
    assert event_row(app, gw, e).recheck is None
