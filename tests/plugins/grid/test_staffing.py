"""Grid staffing with history and hand-over, service logs and patrols, as staff use them."""
from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for


def people(create_person, gw, *names):
    return [create_person(gw.street, name=n, org_unit_id=gw.grid.id) for n in names]


def assignments(app, gw):
    from plugins.grid.models import Assignment
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return [(a.person_id, a.role, a.valid_to is None) for a in db.session.scalars(
            select(Assignment).where(Assignment.grid_id == gw.grid.id).order_by(Assignment.id))]


def test_one_leader_per_grid_and_hand_over_in_one_step(app, gw, create_person):
    first, second = people(create_person, gw, "王甲01", "李乙02")
    c = client_for(app, gw.leader)
    url = f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/staff"
    assert post(c, url, {"person_id": first.id, "role": "grid_leader"}).status_code == HTTPStatus.SEE_OTHER
    refused = post(c, url, {"person_id": second.id, "role": "grid_leader"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "该网格已有网格长" in refused.text
    assert post(c, url, {"person_id": second.id, "role": "grid_leader", "handover": "1"}).status_code == 303
    assert assignments(app, gw) == [(first.id, "grid_leader", False), (second.id, "grid_leader", True)]
    page = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    assert "历任人员" in page and "王甲01" in page and "李乙02" in page


def test_the_grids_page_lists_grids_without_a_leader_first(app, gw, create_person):
    (leader,) = people(create_person, gw, "王甲03")
    c = client_for(app, gw.leader)
    post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/staff", {"person_id": leader.id, "role": "grid_leader"})
    page = c.get(f"/t/{gw.street.slug}/grid/grids").text
    assert "1 个网格还没有网格长" in page
    assert page.index("幸福第二网格") < page.index("幸福第一网格")


def test_a_worker_leaves_and_the_history_stays(app, gw, create_person):
    from plugins.grid.models import Assignment
    (worker,) = people(create_person, gw, "赵丙04")
    c = client_for(app, gw.leader)
    post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/staff", {"person_id": worker.id, "role": "full_time"})
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        row_id = db.session.scalar(select(Assignment.id).where(Assignment.person_id == worker.id))
    assert post(c, f"/t/{gw.street.slug}/grid/assignments/{row_id}/end").status_code == HTTPStatus.SEE_OTHER
    assert assignments(app, gw) == [(worker.id, "full_time", False)]


def test_a_service_log_in_a_few_taps_and_a_blank_one_refused(app, gw):
    c = client_for(app, gw.worker)
    url = f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/logs"
    assert post(c, url, {"service_type": "PROXY", "form": "home_visit", "summary": "帮独居老人代办医保",
                         "proxy_items": "医保报销"}).status_code == 303
    bad = post(c, url, {"service_type": "PROXY", "form": "home_visit", "summary": " "})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in bad.text
    page = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    assert "代办便民服务" in page and "帮独居老人代办医保" in page


def test_a_patrol_keeps_times_and_findings_only(app, gw):
    c = client_for(app, gw.worker)
    url = f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/patrols"
    backwards = post(c, url, {"started_at": "2026-11-20T10:00", "ended_at": "2026-11-20T09:00", "findings": ""})
    assert backwards.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "结束时间应晚于开始时间" in backwards.text
    ok = post(c, url, {"started_at": "2026-11-20T09:00", "ended_at": "2026-11-20T10:30", "findings": "5栋消防通道堵塞"})
    assert ok.status_code == HTTPStatus.SEE_OTHER
    page = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    assert "11-20 09:00–10:30" in page and "5栋消防通道堵塞" in page and "转为事件" in page


def test_a_grid_worker_cannot_staff_grids_or_see_another_grid(app, gw, create_person):
    (someone,) = people(create_person, gw, "孙丁05")
    c = client_for(app, gw.worker)
    assert post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/staff",
                {"person_id": someone.id, "role": "grid_leader"}).status_code == HTTPStatus.FORBIDDEN
    assert c.get(f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}").status_code == HTTPStatus.NOT_FOUND


def test_routes_are_kept_only_under_an_approved_time_boxed_emergency(app, gw):
    from datetime import timedelta

    from core import clock
    from plugins.grid.models import Patrol
    c = client_for(app, gw.worker)
    patrols = f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/patrols"
    post(c, patrols, {"started_at": "2026-11-20T09:00", "ended_at": "2026-11-20T10:00", "route": "东门-北门"})
    boss = client_for(app, gw.admin)
    too_long = post(boss, f"/t/{gw.street.slug}/grid/emergency", {"task_name": "安保", "reason": "大型活动", "days": "10",
                                                                   "grid_ids": [gw.grid.id]})
    assert too_long.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "最长 7 天" in too_long.text
    assert post(boss, f"/t/{gw.street.slug}/grid/emergency", {"task_name": "安保", "reason": "大型活动", "days": "2",
                                                               "grid_ids": [gw.grid.id]}).status_code == HTTPStatus.SEE_OTHER
    assert "应急模式：安保" in c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    post(c, patrols, {"started_at": "2026-11-21T09:00", "ended_at": "2026-11-21T10:00", "route": "南门-西门"})
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        routes = [p.route for p in db.session.scalars(select(Patrol).where(Patrol.grid_id == gw.grid.id).order_by(Patrol.id))]
    assert routes == [None, "南门-西门"], "no route without an emergency"
    from plugins.grid.emergency import purge_expired
    try:
        clock.travel(timedelta(days=40).total_seconds())
        with app.app_context(), tenant_scope(gw.street.id):
            assert purge_expired() == 1
    finally:
        clock.reset()
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert [p.route for p in db.session.scalars(select(Patrol).where(Patrol.grid_id == gw.grid.id))] == [None, None]
    assert client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/emergency").status_code == HTTPStatus.FORBIDDEN
