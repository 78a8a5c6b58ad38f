"""Residents report without signing in; staff report in under a minute."""
from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import csrf_token

from .conftest import client_for


def count(app, gw):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(GridEvent))


def public(app, gw, addr=None, **data):
    """Post the public form from one address (a fresh one unless given, so limits stay per test)."""
    import secrets
    addr = addr or f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = addr
    base = {"title": "路灯不亮", "description": "5栋门口路灯坏了三天", "category_id": gw.categories["UP-ROAD"],
            "address": "5栋门口", "reporter_phone": "13812345678", "csrf_token": csrf_token(c)}
    return c.post(f"/t/{gw.street.slug}/grid/report", data={**base, **data}), c


def test_a_resident_reports_without_signing_in(app, gw):
    c = app.test_client()
    page = c.get(f"/t/{gw.street.slug}/grid/report")
    assert page.status_code == HTTPStatus.OK and "我要反映" in page.text
    before = count(app, gw)
    resp, _c = public(app, gw)
    assert resp.status_code == HTTPStatus.OK and "受理编号" in resp.text
    assert count(app, gw) == before + 1


def test_the_public_page_is_gone_when_the_plugin_is_off(app, create_tenant):
    street = create_tenant()
    assert app.test_client().get(f"/t/{street.slug}/grid/report").status_code == HTTPStatus.NOT_FOUND


def test_a_robot_filling_the_trap_is_thanked_and_ignored(app, gw):
    before = count(app, gw)
    resp, _c = public(app, gw, website="http://spam.example")
    assert resp.status_code == HTTPStatus.OK and count(app, gw) == before


def test_bad_input_is_shown_and_nothing_is_stored(app, gw):
    before = count(app, gw)
    resp, _c = public(app, gw, reporter_phone="12345", description="")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "手机号应为 11 位数字" in resp.text and "必填项" in resp.text and count(app, gw) == before


def test_reports_are_rate_limited_per_address(app, gw):
    for _ in range(20):
        public(app, gw, addr="10.250.0.1")
    resp, _c = public(app, gw, addr="10.250.0.1")
    assert resp.status_code == HTTPStatus.TOO_MANY_REQUESTS and "提交过于频繁" in resp.text


def test_staff_intake_needs_a_place(app, gw):
    from core.testing.factories import post
    c = client_for(app, gw.clerk)
    resp = post(c, f"/t/{gw.street.slug}/grid/", {"title": "无地点", "category_id": gw.categories["SA-GARBAGE"]},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请选择网格或填写地点" in resp.text


def test_an_event_reported_at_night_counts_from_the_next_duty_period(app, gw):
    from core import clock
    from .conftest import report
    from plugins.grid.models import GridEvent
    try:
        now = clock.utcnow().astimezone(clock.SHANGHAI)
        target = now.replace(hour=22, minute=0, second=0, microsecond=0)
        clock.travel((target - now).total_seconds())
        e = report(app, gw)
    finally:
        clock.reset()
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        ev = db.session.get(GridEvent, e)
        assert "非工作时间提交" in ev.deadline_explain["accept"]["text"]


def test_the_staff_form_defaults_to_normal_urgency(app, gw):
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/new").text
    assert '<option value="NORMAL" selected>' in page and '<option value="CRITICAL" selected>' not in page


def test_no_grid_with_an_address_is_accepted_on_both_forms(app, gw):
    from core.testing.factories import post
    before = count(app, gw)
    resp = post(client_for(app, gw.clerk), f"/t/{gw.street.slug}/grid/", {
        "title": "不知道哪个网格", "category_id": gw.categories["SA-GARBAGE"], "grid_id": "", "address": "菜市场门口",
        "urgency": "NORMAL", "source": "PHONE_VISIT"})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    resp, _c = public(app, gw, grid_id="")
    assert resp.status_code == HTTPStatus.OK and count(app, gw) == before + 2


def test_a_grid_worker_reports_only_into_their_own_grid_and_sees_only_it(app, gw):
    from core.testing.factories import post
    c = client_for(app, gw.worker)
    page = c.get(f"/t/{gw.street.slug}/grid/new").text
    assert "幸福第一网格" in page and "幸福第二网格" not in page
    resp = post(c, f"/t/{gw.street.slug}/grid/", {"title": "越界上报", "category_id": gw.categories["SA-GARBAGE"],
                                                  "grid_id": gw.other_grid.id, "urgency": "NORMAL"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只能在自己负责的网格上报" in resp.text
    grids_page = c.get(f"/t/{gw.street.slug}/grid/grids").text
    assert "幸福第一网格" in grids_page and "幸福第二网格" not in grids_page


def test_the_intake_form_warns_of_a_likely_duplicate(app, gw):
    from .conftest import report
    report(app, gw, title="楼道堆物（第一次反映）")
    c = client_for(app, gw.clerk)
    panel = c.get(f"/t/{gw.street.slug}/grid/duplicates?category_id={gw.categories['SA-GARBAGE']}&grid_id={gw.grid.id}",
                  headers={"HX-Request": "true"}).text
    assert "楼道堆物（第一次反映）" in panel and "<html" not in panel
    other = c.get(f"/t/{gw.street.slug}/grid/duplicates?category_id={gw.categories['UP-ROAD']}&grid_id={gw.grid.id}").text
    assert "第一次反映" not in other


def test_a_tenant_sets_a_category_limit_which_applies_to_new_dispatches_only(app, gw):
    from core.testing.factories import post
    from plugins.grid.models import Category, GridEvent
    from .conftest import act, report
    old = report(app, gw)
    act(app, gw, gw.clerk, old, "register")
    act(app, gw, gw.clerk, old, "dispatch", handler_unit_id=gw.grid.id)
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        old_deadline = db.session.get(GridEvent, old).case_deadline
    admin = client_for(app, gw.admin)
    cat = gw.categories["SA-GARBAGE"]
    bad = post(admin, f"/t/{gw.street.slug}/grid/categories/{cat}", {"limit_value": "0", "limit_unit": "working_day",
                                                                      "active": "on"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "时限应在 1 到 365 之间" in bad.text
    ok = post(admin, f"/t/{gw.street.slug}/grid/categories/{cat}", {"limit_value": "5", "limit_unit": "working_day",
                                                                     "active": "on"})
    assert ok.status_code == HTTPStatus.SEE_OTHER
    new = report(app, gw)
    act(app, gw, gw.clerk, new, "register")
    act(app, gw, gw.clerk, new, "dispatch", handler_unit_id=gw.grid.id)
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.get(Category, cat).limit_value == 5
        assert db.session.get(GridEvent, old).case_deadline == old_deadline
        assert db.session.get(GridEvent, new).case_deadline > old_deadline
    assert client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/categories").status_code == HTTPStatus.FORBIDDEN


def test_a_street_can_close_its_public_report_page(app, gw):
    from core.testing.factories import post
    admin = client_for(app, gw.admin)
    resp = post(admin, f"/t/{gw.street.slug}/admin/modules/grid/settings", {"min_ranking_sample": "10",
                                                                            "reopen_window_days": "15"},
                headers={"HX-Request": "true"})  # public_reports unticked
    assert resp.status_code == HTTPStatus.OK
    assert app.test_client().get(f"/t/{gw.street.slug}/grid/report").status_code == HTTPStatus.NOT_FOUND


def test_the_compliance_board_shows_the_rules_in_force_and_their_changes(app, gw):
    from core.testing.factories import post
    admin = client_for(app, gw.admin)
    post(admin, f"/t/{gw.street.slug}/admin/modules/grid/settings",
         {"min_ranking_sample": "20", "reopen_window_days": "15", "public_reports": "on", "self_handle_sample_pct": "15"},
         headers={"HX-Request": "true"})
    page = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/compliance")  # every staff member may read it
    assert page.status_code == HTTPStatus.OK
    assert "不设打卡" in page.text and "样本少于 20 件" in page.text and "抽查复核比例：15%" in page.text
    assert "近一年没有启用应急模式" in page.text and "修改设置" in page.text and "现场办结抽查比例" in page.text


def test_simultaneous_reports_from_one_address_are_stored_or_refused_cleanly(app, gw):
    """Twelve at once from one address, five of them over the hourly limit: every answer is a stored
    report or a clean 429, never a 500, and nothing is lost (the counter is one atomic upsert)."""
    import threading
    for _ in range(15):  # the address has already reported 15 times this hour
        public(app, gw, addr="10.250.0.9")
    before = count(app, gw)
    statuses, barrier = [], threading.Barrier(12, timeout=30)

    def one():
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = "10.250.0.9"
        token = csrf_token(c)
        barrier.wait()
        resp = c.post(f"/t/{gw.street.slug}/grid/report",
                      data={"title": "路灯不亮", "description": "5栋门口路灯坏了", "category_id": gw.categories["UP-ROAD"],
                            "address": "5栋门口", "reporter_phone": "13812345678", "csrf_token": token})
        statuses.append(resp.status_code)
    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [HTTPStatus.OK] * 5 + [HTTPStatus.TOO_MANY_REQUESTS] * 7
    assert count(app, gw) == before + 5
