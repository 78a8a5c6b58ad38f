"""Hotspots (主动治理, E7, grid.md §17.3): a root cause staff fill in, and the 90-day "did the repeats
stop?" indicator on the task and in the statistics, checked on hand-made history."""
from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from sqlalchemy import select

from core import clock
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, report


def make_event(app, gw, title, days_ago, code="SA-GARBAGE", grid=None, state="CLOSED"):
    from plugins.grid.models import GridEvent
    from plugins.grid.services import report_event
    with app.app_context(), tenant_scope(gw.street.id):
        task = title.startswith("主动治理：")  # as the hotspot rule (E7) creates them
        ev = report_event({"title": title, "category_id": gw.categories[code],
                           "grid_id": (grid or gw.grid).id}, "PROACTIVE" if task else "GRID_PATROL")
        ev.created_at = clock.utcnow() - timedelta(days=days_ago)
        ev.state = state
        if task:
            ev.level = ev.max_level = 1
        db.session.flush()
        return db.session.get(GridEvent, ev.id).id


def hotspot_history(app, gw):
    """Task A (120 days old): 4 repeats before, 1 after → stopped. Task B (100 days old, other
    category): 2 before, 2 after → continuing. Task C (10 days old): still watching."""
    a = make_event(app, gw, "主动治理：幸福第一网格垃圾堆放30天内4次", 120)
    for days in (200, 180, 150, 125):
        make_event(app, gw, "垃圾堆放", days)
    make_event(app, gw, "垃圾堆放", 60)
    make_event(app, gw, "重复上报（已合并）", 50, state="MERGED")     # a duplicate is no new event
    make_event(app, gw, "隔壁网格垃圾堆放", 40, grid=gw.other_grid)     # another grid
    make_event(app, gw, "垃圾堆放（太早）", 215)                       # before the 90-day window
    b = make_event(app, gw, "主动治理：幸福第一网格楼道堆物", 100, code="SA-CORRIDOR")
    for days in (150, 120, 60, 20):
        make_event(app, gw, "楼道堆物", days, code="SA-CORRIDOR")
    c = make_event(app, gw, "主动治理：幸福第一网格邻里纠纷", 10, code="DI-NEIGHBOUR")
    make_event(app, gw, "邻里纠纷", 30, code="DI-NEIGHBOUR")
    return a, b, c


def test_the_ninety_day_indicator_on_the_statistics_page(app, gw):
    a, b, c = hotspot_history(app, gw)
    from plugins.grid.stats import hotspots
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        found = {h.task.id: (h.before, h.after, h.state) for h in hotspots()}
    assert found == {a: (4, 1, "stopped"), b: (2, 2, "continuing"), c: (1, 0, "watching")}
    page = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/stats").text
    assert 'id="hotspots"' in page
    rows = page.split('data-hotspot="')[1:]
    state_of = {int(r.split('"')[0]): r for r in rows}
    assert "复发已止" in state_of[a] and "仍在复发" in state_of[b] and "观察中" in state_of[c]


def test_the_task_shows_its_indicator_and_takes_a_root_cause(app, gw):
    a, _b, _c = hotspot_history(app, gw)
    c = client_for(app, gw.worker)
    page = c.get(f"/t/{gw.street.slug}/grid/{a}").text
    assert "复发已止" in page and "治理前 90 天同网格同类事件 4 件，之后 1 件" in page and "尚未填写" in page
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        version = db.session.get(GridEvent, a).version
    empty = post(c, f"/t/{gw.street.slug}/grid/{a}/root-cause", {"root_cause": " ", "version": version},
                 headers={"HX-Request": "true"})
    assert empty.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in empty.text
    cause = "小区东门外无固定垃圾投放点，清运车每周只来两次"
    saved = post(c, f"/t/{gw.street.slug}/grid/{a}/root-cause", {"root_cause": cause, "version": version},
                 headers={"HX-Request": "true"})
    assert saved.status_code == 200 and cause in saved.text and "填写根源分析" in saved.text
    stats = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/stats").text
    assert cause in stats
    from plugins.grid.models import Transition
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        steps = [t.code for t in db.session.scalars(select(Transition).where(Transition.event_id == a))]
    assert steps[-1] == "RC"


def test_an_ordinary_event_has_no_root_cause_form(app, gw):
    e = report(app, gw)
    page = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "根源分析" not in page
    resp = post(client_for(app, gw.worker), f"/t/{gw.street.slug}/grid/{e}/root-cause", {"root_cause": "x", "version": 1})
    assert resp.status_code == HTTPStatus.NOT_FOUND


def test_a_report_titled_like_a_hotspot_task_is_not_one(app, gw):
    e = report(app, gw, title="主动治理：随手写的标题")
    page = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "根源分析" not in page
    assert "随手写的标题" not in client_for(app, gw.admin).get(f"/t/{gw.street.slug}/grid/stats").text
    refused = post(client_for(app, gw.clerk), f"/t/{gw.street.slug}/grid/",
                   {"title": "冒充", "category_id": gw.categories["SA-GARBAGE"], "source": "PROACTIVE"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请选择来源" in refused.text
