"""Exports staff open in Excel, the printable ledger, and the SLA warnings that reach the inbox."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from core import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import act, client_for, report


def test_the_xlsx_export_masks_phones_and_names_who_exported(app, gw):
    report(app, gw, title="导出测试")
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    resp = client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/export.xlsx?from={today}&to={today}")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and "导出人" in rows[1][0]
    mine = next(r for r in rows if r[1] == "导出测试")
    assert mine[-1] == "138****5678"


def test_the_ledger_prints_grid_by_grid(app, gw):
    report(app, gw, title="台账测试")
    page = client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/ledger").text
    assert "网格事件台账" in page and "幸福第一网格" in page and "台账测试" in page and "网格长签字" in page


def test_overdue_events_warn_once_and_escalate_from_the_grid(app, gw):
    from core.events.jobs import run_due
    from core.ui.models import Notification
    from plugins.grid.models import GridEvent
    e = report(app, gw, title="超时测试")
    with app.app_context(), tenant_scope(gw.street.id):
        ev = db.session.get(GridEvent, e)
        ev.stage_deadline = clock.utcnow() - timedelta(hours=1)
    with app.app_context():
        run_due(tenants=[gw.street.id])
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        notes = [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == gw.clerk.id))]
        assert notes.count("事件已超时：超时测试") == 1
        assert db.session.get(GridEvent, e).level == 1
    try:
        clock.travel(20 * 60)  # the job is due again; the warning is not repeated
        with app.app_context():
            run_due(tenants=[gw.street.id])
    finally:
        clock.reset()
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        notes = [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == gw.clerk.id))]
    assert notes.count("事件已超时：超时测试") == 1
    inbox = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/inbox").text
    assert "事件已超时：超时测试" in inbox
    _ = act


def test_the_poster_carries_a_qr_code_to_the_report_page_for_this_grid(app, gw):
    page = client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/poster").text
    assert 'src="data:image/svg+xml' in page and f"/grid/report?grid_id={gw.grid.id}" in page
    form = app.test_client().get(f"/t/{gw.street.slug}/grid/report?grid_id={gw.grid.id}").text
    assert f'<option value="{gw.grid.id}" selected>' in form


def test_a_provisional_deadline_is_recomputed_once_when_the_notice_arrives(app, gw):
    from datetime import date, datetime

    from core import calendar as cal
    from core.calendar import CalendarDay
    from plugins.grid.jobs import recompute_provisional
    from plugins.grid.models import GridEvent, Transition
    from plugins.grid.services import set_case_deadline
    e = report(app, gw)
    with app.app_context(), tenant_scope(gw.street.id):
        ev = db.session.get(GridEvent, e)
        from plugins.grid.models import Category
        category = db.session.get(Category, ev.category_id)
        set_case_deadline(ev, category, datetime(2026, 12, 30, 10, 0, tzinfo=clock.SHANGHAI))
        ev.calendar_complete = False
        before = ev.case_deadline
    with app.app_context(), tenant_scope(gw.street.id):
        cal.load_notice(2027, [(date(2027, 1, 1), "元旦"), (date(2027, 1, 4), "元旦")], [], "test")
    try:
        with app.app_context(), tenant_scope(gw.street.id) as session:
            from core.tenancy.context import current
            assert recompute_provisional(current()) == 1
            assert recompute_provisional(current()) == 0, "only once"
            ev = session.get(GridEvent, e)
            assert ev.calendar_complete and ev.case_deadline > before
            assert session.scalars(select(Transition).where(Transition.event_id == e, Transition.code == "CAL")).one()
    finally:
        with app.app_context():
            db.session.query(CalendarDay).filter(CalendarDay.day >= date(2027, 1, 1), CalendarDay.day <= date(2027, 12, 31)).delete()
            db.session.commit()


def test_handling_past_the_case_deadline_goes_up_a_level_then_to_the_street(app, gw):
    from core.tenancy.context import current
    from plugins.grid.jobs import escalation_rules
    from plugins.grid.models import GridEvent
    e = report(app, gw, source="GRID_PATROL", reporter_phone="")
    act(app, gw, gw.clerk, e, "register")
    act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
    act(app, gw, gw.worker, e, "sign")
    from core.calendar import WorkCalendar
    now = clock.utcnow()
    with app.app_context():  # a deadline between one and three working days ago, whatever today is
        cal = WorkCalendar()
        past = now - timedelta(hours=1)
        while not (cal.add(past, 1, "working_day").due < now < cal.add(past, 3, "working_day").due):
            past -= timedelta(hours=6)
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(GridEvent, e).case_deadline = past
    with app.app_context(), tenant_scope(gw.street.id):
        escalation_rules(current())
        escalation_rules(current())
        assert db.session.get(GridEvent, e).level == 1, "once per rule"
        db.session.get(GridEvent, e).case_deadline = clock.utcnow() - timedelta(days=30)
    with app.app_context(), tenant_scope(gw.street.id):
        escalation_rules(current())
        assert db.session.get(GridEvent, e).level == 2


def test_a_problem_closed_three_times_in_a_month_becomes_a_proactive_task(app, gw):
    from core.tenancy.context import current
    from plugins.grid.jobs import hotspots
    from plugins.grid.models import GridEvent
    ids = []
    for n in range(3):
        e = report(app, gw, code="SA-CORRIDOR", source="GRID_PATROL", title=f"楼道堆物{n}")
        act(app, gw, gw.worker, e, "self_handle", result="清理")
        ids.append(e)
    with app.app_context(), tenant_scope(gw.street.id):
        assert hotspots(current()) == 1
        assert hotspots(current()) == 0, "one task per hotspot and month"
        task = db.session.scalars(select(GridEvent).where(GridEvent.title.startswith("主动治理："))).one()
        refs = [db.session.get(GridEvent, i).ref_no for i in ids]
        assert task.level == 1 and task.grid_id == gw.grid.id and all(r in task.description for r in refs)
