"""The figures staff are judged by (docs/grid.md §6): 准确派遣率, 按时签收率, 回访率, 重复诉求率, and cases
counted apart from demands — on the statistics page with their formulas, in the export, and honest
about a month frozen before a figure existed."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from core import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import act, client_for, report


def today():
    return clock.utcnow().astimezone(clock.SHANGHAI).date()


def figures(app, gw):
    from plugins.grid import stats
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return {k.key: k for k in stats.kpis(today() - timedelta(days=20), today())}


def shift(app, gw, event_id, action, days):
    """Move the event's ``action`` rows ``days`` into the past (a dispatch made long ago)."""
    from plugins.grid.models import Transition
    with app.app_context(), tenant_scope(gw.street.id):
        for t in db.session.scalars(select(Transition).where(Transition.event_id == event_id,
                                                             Transition.action == action)):
            t.at = clock.aware(t.at) - timedelta(days=days)


def dispatched(app, gw, title):
    e = report(app, gw, title=title)
    act(app, gw, gw.clerk, e, "register")
    assert act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id).status_code == 200
    return e


def to_callback(app, gw, title):
    e = dispatched(app, gw, title)
    act(app, gw, gw.worker, e, "sign")
    act(app, gw, gw.worker, e, "submit_result", result="已清理", closure_type="RESOLVED")
    assert act(app, gw, gw.checker, e, "check_pass").status_code == 200
    return e


def closed(app, gw, title):
    e = to_callback(app, gw, title)
    assert act(app, gw, gw.clerk, e, "callback", callback_result="satisfied").status_code == 200
    return e


def test_dispatch_accuracy_counts_returns_accepted_as_dispatch_errors(app, gw):
    e = dispatched(app, gw, "派错了")
    act(app, gw, gw.worker, e, "return", reason_code="WRONG_LOCATION", reason="不在本网格")
    assert act(app, gw, gw.clerk, e, "redispatch", handler_unit_id=gw.other_grid.id, dispatch_error="on").status_code \
        == 200
    dispatched(app, gw, "派对了")
    k = figures(app, gw)["dispatch_accuracy"]
    assert (k.numerator, k.denominator) == (2, 3) and k.value == "66.7%", "3 dispatches, 1 dispatch error"


def test_sign_on_time_measures_each_dispatch_against_its_sign_limit(app, gw):
    quick = dispatched(app, gw, "及时签收")
    act(app, gw, gw.worker, quick, "sign")
    late = dispatched(app, gw, "迟迟签收")
    shift(app, gw, late, "dispatch", 5)  # dispatched five days ago: far past the 2 working hours
    act(app, gw, gw.worker, late, "sign")
    never = dispatched(app, gw, "无人签收")
    shift(app, gw, never, "dispatch", 5)
    dispatched(app, gw, "刚刚派遣")  # still inside its limit: not decided yet
    k = figures(app, gw)["sign_on_time"]
    assert (k.numerator, k.denominator) == (1, 3)


def test_callback_rate_counts_callbacks_due_and_never_counts_a_pending_one(app, gw):
    from plugins.grid.models import GridEvent
    closed(app, gw, "回访满意")
    overdue = to_callback(app, gw, "回访超时")
    to_callback(app, gw, "等待回访")  # inside its callback limit
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.execute(update(GridEvent).where(GridEvent.id == overdue)
                           .values(stage_deadline=clock.utcnow() - timedelta(hours=1)))
    k = figures(app, gw)["callback_rate"]
    assert (k.numerator, k.denominator) == (1, 2)


def test_repeat_demands_are_reopened_closures_or_a_new_event_nearby(app, gw):
    from plugins.grid.models import GridEvent
    reopened = closed(app, gw, "又堆了")
    assert act(app, gw, gw.clerk, reopened, "reopen", reason="居民反映又堆满了").status_code == 200
    nearby = closed(app, gw, "附近又有")
    far = closed(app, gw, "没有再犯")
    again = report(app, gw, title="同一处又有垃圾")
    elsewhere = report(app, gw, title="远处的垃圾")
    with app.app_context(), tenant_scope(gw.street.id):
        for event_id, lat, lng in ((nearby, 32.6250, 116.8750), (again, 32.6251, 116.8751), (far, 32.6000, 116.8000),
                                   (elsewhere, 32.6300, 116.8900)):
            db.session.execute(update(GridEvent).where(GridEvent.id == event_id).values(lat=lat, lng=lng))
    k = figures(app, gw)["repeat"]
    assert (k.numerator, k.denominator) == (2, 3)


def test_cases_and_demands_are_counted_apart(app, gw):
    from plugins.grid import stats
    from plugins.grid.models import GridEvent
    master = report(app, gw, title="井盖缺失")
    dup = report(app, gw, title="井盖缺失（重复）")
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        ref = db.session.get(GridEvent, master).ref_no
    assert act(app, gw, gw.clerk, dup, "merge", master_ref=ref).status_code == 200
    k = figures(app, gw)
    assert (k["cases"].numerator, k["demands"].numerator) == (1, 2), "a merged duplicate is a demand, not a case"
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert stats.buckets(today(), today())["SANITATION"]["cases"] == 1
    page = client_for(app, gw.admin).get(f"/t/{gw.street.slug}/grid/stats").text
    for label, formula in (("准确派遣率", "因派遣错误而改派"), ("按时签收率", "在签收时限内签收"),
                           ("回访率", "成功回访数 ÷ 应回访数"), ("重复诉求率", "30 天内在附近又出现同类新事件"),
                           ("本期受理（件）", "不另算一件"), ("诉求人次", "主事件加一人次")):
        assert label in page and formula in page


def test_a_month_frozen_before_a_figure_existed_says_the_figure_is_todays_count(app, gw):
    from plugins.grid import snapshots
    from plugins.grid.models import KpiSnapshot
    from core.testing.html import text_of
    dispatched(app, gw, "冻结前派遣")
    month = today().replace(day=1)
    with app.app_context(), tenant_scope(gw.street.id):
        snapshots._write(f"{month:%Y-%m}", None, None)
        db.session.execute(delete(KpiSnapshot).where(KpiSnapshot.metric.in_(("dispatch_accuracy", "sign_on_time"))))
    page = client_for(app, gw.admin).get(f"/t/{gw.street.slug}/grid/stats?from={month}&to="
                                         f"{snapshots.month_bounds(f'{month:%Y-%m}')[1]}").text
    assert 'id="frozen"' in page
    assert "不是冻结数据" in text_of(page, '[data-kpi="dispatch_accuracy"]')
    assert "不是冻结数据" not in text_of(page, '[data-kpi="on_time"]')


def test_the_export_carries_the_figures_with_their_formulas(app, gw):
    dispatched(app, gw, "导出指标")
    page = client_for(app, gw.checker).get(f"/t/{gw.street.slug}/grid/stats?from={today()}&to={today()}").text
    assert "导出考核指标" in page
    resp = client_for(app, gw.checker).get(f"/t/{gw.street.slug}/grid/stats/figures.xlsx?from={today()}&to={today()}")
    rows = {r[0]: r for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)}
    assert rows["准确派遣率"][1] == "100.0%" and "派遣错误" in rows["准确派遣率"][4]
    assert rows["本期受理（件）"][2] == 1 and "诉求人次" in rows
