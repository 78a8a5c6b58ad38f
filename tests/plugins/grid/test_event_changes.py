"""Changing an event's terms while it runs (docs/grid.md §3 invariant 6, T15, §5): re-categorisation
never moves the deadline later, a handler's extension request made in time may be approved after
the deadline, and every level change is a step on the timeline."""
from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select

from core import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import act, client_for, report, state_of
from .test_machine import event_row


def steps(app, gw, e):
    from plugins.grid.models import Transition
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return [(t.code, t.action, t.reason, t.payload) for t in db.session.scalars(
            select(Transition).where(Transition.event_id == e).order_by(Transition.id))]


def in_progress(app, gw, code="OT-OTHER") -> int:
    e = report(app, gw, code=code, source="GRID_PATROL", reporter_phone="")
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.worker, "sign", {})):
        assert act(app, gw, account, e, name, **data).status_code == HTTPStatus.OK
    return e


def case_limit_from(app, gw, start, code):
    """When a case of category ``code`` started at ``start`` is due: handling plus the check allowance."""
    from core import api
    from plugins.grid.categories import STAGE_LIMITS
    from plugins.grid.models import Category
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        cat = db.session.scalars(select(Category).where(Category.code == code)).one()
        cal = api.work_calendar()
        handled = cal.add(start, cat.limit_value, cat.limit_unit)
        return cal.add(handled.due, *STAGE_LIMITS["check"]["NORMAL"]).due


def test_recategorising_takes_the_earlier_deadline_never_a_later_one(app, gw):
    e = in_progress(app, gw, "OT-OTHER")  # 3 W-days
    old = clock.aware(event_row(app, gw, e).case_deadline)
    old_handling = clock.aware(event_row(app, gw, e).stage_deadline)
    before = clock.utcnow()
    resp = act(app, gw, gw.clerk, e, "recategorise", category_id=gw.categories["SA-GARBAGE"], reason="实为垃圾堆放")
    after = clock.utcnow()
    assert resp.status_code == HTTPStatus.OK and "垃圾堆放" in resp.text
    row = event_row(app, gw, e)
    moved = clock.aware(row.case_deadline)
    assert case_limit_from(app, gw, before, "SA-GARBAGE") <= moved <= case_limit_from(app, gw, after, "SA-GARBAGE")
    assert moved < old and row.category_id == gw.categories["SA-GARBAGE"]
    assert clock.aware(row.stage_deadline) < min(old_handling, moved)  # the handler's own deadline follows
    assert "取原时限与新时限中较早者" in row.deadline_explain["case"]["text"]
    # to a category with a longer limit: the deadline stays where it is
    act(app, gw, gw.clerk, e, "recategorise", category_id=gw.categories["DI-NEIGHBOUR"], reason="实为邻里纠纷")
    row = event_row(app, gw, e)
    assert clock.aware(row.case_deadline) == moved and row.category_id == gw.categories["DI-NEIGHBOUR"]
    cats = [(code, p["from_category"], p["to_category"]) for code, _a, _r, p in steps(app, gw, e) if code == "CAT"]
    assert cats == [("CAT", "其他事项", "垃圾堆放"), ("CAT", "垃圾堆放", "邻里纠纷")]
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "其他事项 → 垃圾堆放" in page and "更正类别" in page


def test_recategorising_to_a_higher_floor_raises_the_level_on_the_timeline(app, gw):
    e = in_progress(app, gw, "OT-OTHER")
    assert act(app, gw, gw.clerk, e, "recategorise", category_id=gw.categories["UP-BUILD"],
               reason="实为违章搭建").status_code == HTTPStatus.OK
    assert (event_row(app, gw, e).level, event_row(app, gw, e).max_level) == (2, 2)
    last = steps(app, gw, e)[-2:]
    assert [s[0] for s in last] == ["CAT", "T26"] and last[1][3] == {"rule": "E1", "from_level": 0, "level": 2}


def test_a_recategorisation_form_is_validated_and_needs_the_dispatch_permission(app, gw):
    e = in_progress(app, gw)
    before = state_of(app, gw, e)
    for data, message in (({"reason": "改"}, "必填项"), ({"category_id": "abc", "reason": "改"}, "请选择类别"),
                          ({"category_id": gw.categories["SA-GARBAGE"], "reason": ""}, "必填项"),
                          ({"category_id": gw.categories["OT-OTHER"], "reason": "改"}, "类别没有变化"),
                          ({"category_id": 999999, "reason": "改"}, "请选择有效的类别")):
        resp = act(app, gw, gw.clerk, e, "recategorise", **data)
        assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and message in resp.text, (data, resp.text[:300])
    assert act(app, gw, gw.worker, e, "recategorise", category_id=gw.categories["SA-GARBAGE"],
               reason="改").status_code == HTTPStatus.FORBIDDEN
    assert state_of(app, gw, e) == before


def test_an_extension_requested_in_time_is_approved_after_the_deadline_from_the_request(app, gw):
    e = in_progress(app, gw, "SA-GARBAGE")
    old = event_row(app, gw, e)
    assert 'data-action="request_extension"' in client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert act(app, gw, gw.clerk, e, "request_extension", days=2, reason="等配件").status_code == HTTPStatus.FORBIDDEN
    resp = act(app, gw, gw.worker, e, "request_extension", days=2, reason="等待配件到货")
    assert resp.status_code == HTTPStatus.OK and "申请延期 2 个工作日" in resp.text
    assert "已有延期申请" in act(app, gw, gw.worker, e, "request_extension", days=1, reason="再申请").text
    try:
        clock.travel((clock.aware(old.stage_deadline) - clock.utcnow()).total_seconds() + 3600)  # past the deadline
        resp = act(app, gw, gw.leader, e, "extend", days=2, reason="同意")
    finally:
        clock.reset()
    assert resp.status_code == HTTPStatus.OK, resp.text[:400]
    row = event_row(app, gw, e)
    from core import api
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        due = api.work_calendar().add(old.case_deadline, 2, "working_day").due
    assert clock.aware(row.case_deadline) == due and row.extension_n == 1 and row.extension_requested_at is None
    codes = [(code, p.get("days"), bool(p.get("requested_at"))) for code, _a, _r, p in steps(app, gw, e)[-2:]]
    assert codes == [("T15R", 2, False), ("T15", 2, True)]


def test_a_late_request_or_a_late_approval_without_one_is_refused(app, gw):
    e = in_progress(app, gw, "SA-GARBAGE")
    before = state_of(app, gw, e)
    try:
        clock.travel((clock.aware(event_row(app, gw, e).stage_deadline) - clock.utcnow()).total_seconds() + 3600)
        late = act(app, gw, gw.worker, e, "request_extension", days=1, reason="来不及了")
        assert late.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "延期须在期限届满前申请" in late.text
        assert "延期须在期限届满前申请" in act(app, gw, gw.leader, e, "extend", days=1, reason="补批").text
    finally:
        clock.reset()
    assert state_of(app, gw, e) == before
    bad = act(app, gw, gw.worker, e, "request_extension", days=0, reason="x")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "延期 1–10 个工作日" in bad.text


def test_a_refused_request_ends_and_the_deadline_stands(app, gw):
    e = in_progress(app, gw)
    deadline = event_row(app, gw, e).case_deadline
    act(app, gw, gw.worker, e, "request_extension", days=3, reason="等待配件")
    assert act(app, gw, gw.leader, e, "refuse_extension", reason="可先临时处置").status_code == HTTPStatus.OK
    row = event_row(app, gw, e)
    assert row.extension_requested_at is None and row.case_deadline == deadline and row.extension_n == 0
    assert "没有等待批准的延期申请" in act(app, gw, gw.leader, e, "refuse_extension", reason="再拒").text


def test_the_fifth_rule_level_change_is_a_step_on_the_timeline(app, gw):
    e = in_progress(app, gw)
    for _n in range(3):
        act(app, gw, gw.worker, e, "submit_result", result="处理了", closure_type="RESOLVED")
        assert act(app, gw, gw.checker, e, "check_fail", reason="现场仍有杂物").status_code == HTTPStatus.OK
    last = steps(app, gw, e)[-2:]
    assert [s[0] for s in last] == ["T19", "T26"]
    assert last[1][3] == {"rule": "E5", "from_level": 0, "level": 1} and "E5" in last[1][2]
    assert "核查三次不通过" in client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{e}").text
