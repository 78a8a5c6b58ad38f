"""What a service log carries as staff use it: 代办 with the resident's acknowledgement, mediation with
its follow-ups, the care visit list behind a reason code, the ledger, and converting a log or a
patrol finding into an event."""
from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus
from types import SimpleNamespace

from sqlalchemy import func, select

from core import clock
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, report


def rows(app, gw, model, *where):
    """The rows as plain records, readable after the session is gone."""
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        keys = [a.key for a in db.inspect(model).column_attrs]
        return [SimpleNamespace(**{k: getattr(r, k) for k in keys})
                for r in db.session.scalars(select(model).where(*where).order_by(model.id))]


def count(app, gw, model) -> int:
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(model))


def beijing_today():
    return clock.utcnow().astimezone(clock.SHANGHAI).date()


def logs_url(gw):
    return f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/logs"


# --- 代办 ------------------------------------------------------------------------------------------


def test_choosing_proxy_swaps_in_its_fields(app, gw):
    c = client_for(app, gw.worker)
    extra = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/logs/extra?service_type=PROXY",
                  headers={"HX-Request": "true"})
    assert extra.status_code == HTTPStatus.OK and 'name="proxy_items"' in extra.text and "<html" not in extra.text
    mediation = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/logs/extra?service_type=MEDIATION").text
    assert 'name="parties"' in mediation and 'name="proxy_items"' not in mediation
    assert 'hx-get="' in c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text


def test_a_proxy_log_without_its_items_is_refused_and_nothing_is_written(app, gw):
    from plugins.grid.models import ProxyService, ServiceLog
    bad = post(client_for(app, gw.worker), logs_url(gw), {"service_type": "PROXY", "form": "desk", "summary": "代办低保",
                                                         "proxy_items": " ", "proxy_docs_in": "户口本"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "必填项" in bad.text and "请填写收取材料的日期" in bad.text
    assert count(app, gw, ServiceLog) == 0 and count(app, gw, ProxyService) == 0


def test_a_proxy_service_stays_open_until_the_resident_acknowledges_it(app, gw):
    from plugins.grid.models import ProxyService
    c = client_for(app, gw.worker)
    ok = post(c, logs_url(gw), {"service_type": "PROXY", "form": "home_visit", "summary": "为3栋张阿姨代办高龄津贴",
                                "proxy_items": "高龄津贴申请", "proxy_docs_in": "身份证复印件、户口本",
                                "proxy_docs_in_on": "2026-03-02"})
    assert ok.status_code == HTTPStatus.SEE_OTHER
    (proxy,) = rows(app, gw, ProxyService)
    listing = c.get(f"/t/{gw.street.slug}/grid/proxy").text
    assert "幸福第一网格" in listing and "高龄津贴申请" in listing and "身份证复印件、户口本" in listing
    url = f"/t/{gw.street.slug}/grid/proxy/{proxy.id}"
    refused = post(c, url, {"version": proxy.version, "status": "done", "docs_out": "户口本", "docs_out_on": "2026-03-05"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "须记录居民确认" in refused.text
    assert rows(app, gw, ProxyService)[0].status == "in_progress"
    done = post(c, url, {"version": proxy.version, "status": "done", "docs_out": "户口本", "docs_out_on": "2026-03-05",
                         "ack_name": "张桂兰", "ack_method": "paper", "ack_at": "2026-03-05T10:30"})
    assert done.status_code == HTTPStatus.SEE_OTHER
    assert "高龄津贴申请" not in c.get(f"/t/{gw.street.slug}/grid/proxy").text, "done: no longer open"
    stale = post(c, url, {"version": proxy.version, "status": "returned", "ack_name": "张桂兰", "ack_method": "phone"})
    assert stale.status_code == HTTPStatus.CONFLICT and "刚被其他人更新过" in stale.text
    (row,) = rows(app, gw, ProxyService)
    assert (row.status, row.ack_method, clock.local(row.ack_at).strftime("%H:%M")) == ("done", "paper", "10:30")
    today = beijing_today()
    ledger = client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/ledger?from={today}&to={today}").text
    section = ledger[ledger.index('id="ledger-proxies"'):]
    assert "高龄津贴申请" in section and "张**" in section and "张桂兰" not in section and "纸质签字" in section


# --- 调解 ------------------------------------------------------------------------------------------


def open_case_from_log(app, gw, summary="5栋楼上漏水纠纷"):
    from plugins.grid.models import MediationCase
    resp = post(client_for(app, gw.worker), logs_url(gw), {
        "service_type": "MEDIATION", "form": "meeting", "summary": summary,
        "parties": "王建国 楼上住户 13812345678\n李秀英，楼下住户"})
    assert resp.status_code == HTTPStatus.SEE_OTHER, resp.text[:500]
    return rows(app, gw, MediationCase, MediationCase.title == summary)[-1]


def test_a_mediation_needs_two_parties_and_writes_nothing_otherwise(app, gw):
    from plugins.grid.models import MediationCase, ServiceLog
    bad = post(client_for(app, gw.worker), logs_url(gw), {"service_type": "MEDIATION", "form": "meeting",
                                                         "summary": "噪音纠纷", "parties": "王建国 楼上住户"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "调解至少有两位当事人" in bad.text
    assert count(app, gw, ServiceLog) == 0 and count(app, gw, MediationCase) == 0


def test_a_mediation_runs_from_meetings_to_an_agreement_in_the_ledger(app, gw):
    case = open_case_from_log(app, gw)
    c = client_for(app, gw.worker)
    page = c.get(f"/t/{gw.street.slug}/grid/mediation/{case.id}").text
    assert "王**（楼上住户）" in page and "138****5678" in page and "王建国" not in page, "parties masked"
    base = f"/t/{gw.street.slug}/grid/mediation/{case.id}"
    today = beijing_today()
    blank = post(c, f"{base}/meeting", {"held_on": "", "place": "社区调解室", "mediators": "赵主任", "outcome": "各自陈述"})
    assert blank.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请填写日期" in blank.text
    assert post(c, f"{base}/meeting", {"held_on": today.isoformat(), "place": "社区调解室", "mediators": "赵主任",
                                       "outcome": "双方同意分担维修费"}).status_code == HTTPStatus.SEE_OTHER
    agreed = post(c, f"{base}/agreement", {"version": case.version + 1, "agreement_on": today.isoformat(),
                                           "agreement_text": "楼上承担维修费七成，一周内修复"})
    assert agreed.status_code == HTTPStatus.SEE_OTHER
    page = c.get(base).text
    assert "双方同意分担维修费" in page and "楼上承担维修费七成" in page
    assert f"第 7 天：{today + timedelta(days=7)}" in page and f"第 30 天：{today + timedelta(days=30)}" in page
    again = post(c, f"{base}/agreement", {"version": case.version + 2, "agreement_on": today.isoformat(),
                                          "agreement_text": "改写协议"})
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "调解协议已经记录" in again.text
    ledger = client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/ledger?from={today}&to={today}").text
    section = ledger[ledger.index('id="ledger-agreements"'):ledger.index('id="ledger-proxies"')]
    assert "5栋楼上漏水纠纷" in section and "楼上承担维修费七成" in section and "王**（楼上住户）" in section


def test_a_follow_up_reminder_reaches_the_inbox_on_its_day_once(app, gw):
    from core.tenancy.context import current
    from plugins.grid.jobs import mediation_follow_ups
    case = open_case_from_log(app, gw, "停车位纠纷")
    agreed_on = beijing_today() - timedelta(days=6)
    c = client_for(app, gw.worker)
    assert post(c, f"/t/{gw.street.slug}/grid/mediation/{case.id}/agreement", {
        "version": case.version, "agreement_on": agreed_on.isoformat(), "agreement_text": "车位轮流使用"}).status_code == 303
    title = "调解回访提醒：停车位纠纷（协议后第 7 天）"
    with app.app_context(), tenant_scope(gw.street.id):
        assert mediation_follow_ups(current()) == 0, "day 6: not yet"
    assert title not in c.get(f"/t/{gw.street.slug}/inbox").text
    try:
        clock.travel(timedelta(days=1).total_seconds())
        with app.app_context(), tenant_scope(gw.street.id):
            assert mediation_follow_ups(current()) == 1
            assert mediation_follow_ups(current()) == 0, "once"
    finally:
        clock.reset()
    inbox = c.get(f"/t/{gw.street.slug}/inbox").text
    assert inbox.count(title) == 1
    assert "第 30 天" not in inbox


def test_a_dispute_event_opens_one_mediation_and_other_events_none(app, gw):
    dispute = report(app, gw, code="DI-NEIGHBOUR", title="楼道堆物引发争吵")
    c = client_for(app, gw.worker)
    assert "开始调解" in c.get(f"/t/{gw.street.slug}/grid/{dispute}").text
    started = post(c, f"/t/{gw.street.slug}/grid/{dispute}/mediation", {"parties": "刘一 申请人\n陈二 被申请人"})
    assert started.status_code == HTTPStatus.SEE_OTHER and "/grid/mediation/" in started.headers["Location"]
    assert "楼道堆物引发争吵" in c.get(started.headers["Location"]).text
    assert "查看调解记录" in c.get(f"/t/{gw.street.slug}/grid/{dispute}").text
    twice = post(c, f"/t/{gw.street.slug}/grid/{dispute}/mediation", {"parties": "刘一 申请人\n陈二 被申请人"})
    assert twice.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "已经有调解记录" in twice.text
    garbage = report(app, gw, title="垃圾满溢")
    refused = post(c, f"/t/{gw.street.slug}/grid/{garbage}/mediation", {"parties": "刘一 申请人\n陈二 被申请人"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只有矛盾纠纷类事件" in refused.text


# --- 关爱走访 ----------------------------------------------------------------------------------------


def household(gw, create_unit):
    building = create_unit(gw.street, gw.grid.id, "building", "3栋")
    return create_unit(gw.street, building.id, "household", "1单元101")


def audits(app, gw):
    from core.audit.models import AuditLog
    return [(a.action, a.detail.get("reason")) for a in rows(app, gw, AuditLog, AuditLog.action.startswith("grid.sensitive"))]


def add_plan(app, gw, home, **extra):
    data = {"grid_id": gw.grid.id, "household_id": home.id, "care_type": "alone_elderly", "cadence_days": "14",
            "next_due": beijing_today().isoformat(), **extra}
    return post(client_for(app, gw.worker), f"/t/{gw.street.slug}/grid/visits", data)


def test_the_care_list_is_refused_without_a_reason_and_audited_with_one(app, gw, create_unit):
    from plugins.grid.models import VisitPlan
    home = household(gw, create_unit)
    bad = add_plan(app, gw, home, cadence_days="0")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "走访周期应在 1 到 365 天之间" in bad.text
    assert count(app, gw, VisitPlan) == 0
    assert add_plan(app, gw, home).status_code == HTTPStatus.SEE_OTHER
    c = client_for(app, gw.worker)
    url = f"/t/{gw.street.slug}/grid/visits"
    chooser = c.get(url)
    assert chooser.status_code == HTTPStatus.OK and "查看原因" in chooser.text and "3栋 1单元101" not in chooser.text
    no_reason = c.get(f"{url}?reason=")
    assert no_reason.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请选择查看原因" in no_reason.text
    assert "3栋 1单元101" not in no_reason.text and audits(app, gw) == []
    seen = c.get(f"{url}?reason=visit")
    assert seen.status_code == HTTPStatus.OK and "3栋 1单元101" in seen.text and "独居老人" in seen.text
    assert seen.headers["Cache-Control"] == "no-store"
    assert audits(app, gw) == [("grid.sensitive.view", "visit")]
    not_exported = c.get(f"{url}/export.xlsx?reason=nosy")
    assert not_exported.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "spreadsheetml" not in not_exported.mimetype
    exported = c.get(f"{url}/export.xlsx?reason=supervision")
    assert exported.mimetype.endswith("spreadsheetml.sheet")
    assert audits(app, gw) == [("grid.sensitive.view", "visit"), ("grid.sensitive.view", "supervision")]
    assert client_for(app, gw.clerk).get(f"{url}?reason=visit").status_code == HTTPStatus.FORBIDDEN


def test_a_home_visit_moves_the_next_visit_on_and_due_visits_are_reminded(app, gw, create_unit):
    from core.tenancy.context import current
    from plugins.grid.jobs import visit_reminders
    from plugins.grid.models import VisitPlan
    from plugins.grid.records import next_working_day
    home = household(gw, create_unit)
    assert add_plan(app, gw, home).status_code == HTTPStatus.SEE_OTHER
    with app.app_context(), tenant_scope(gw.street.id):
        assert visit_reminders(current()) == 2, "the grid's worker and its leader"
        assert visit_reminders(current()) == 0, "one reminder per due date"
    c = client_for(app, gw.worker)
    inbox = c.get(f"/t/{gw.street.slug}/inbox").text
    assert "关爱走访提醒：幸福第一网格 有 1 户到期" in inbox and "1单元101" not in inbox
    form = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}?household_id={home.id}&form=home_visit").text
    assert f'<option value="{home.id}" selected>3栋 1单元101</option>' in form
    phone = post(c, logs_url(gw), {"service_type": "OPINION", "form": "phone", "summary": "电话问候", "household_id": home.id})
    assert phone.status_code == HTTPStatus.SEE_OTHER
    assert rows(app, gw, VisitPlan)[0].last_visit_at is None, "a phone call is not a home visit"
    visit = post(c, logs_url(gw), {"service_type": "OPINION", "form": "home_visit", "summary": "上门看望，身体尚好",
                                   "household_id": home.id})
    assert visit.status_code == HTTPStatus.SEE_OTHER
    (plan,) = rows(app, gw, VisitPlan)
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        expected = next_working_day(beijing_today() + timedelta(days=14))
    assert plan.last_visit_at is not None and plan.next_due == expected
    page = c.get(f"/t/{gw.street.slug}/grid/visits?reason=visit").text
    assert expected.isoformat() in page
    other = create_unit(gw.street, create_unit(gw.street, gw.other_grid.id, "building", "9栋").id, "household", "901")
    wrong = post(c, logs_url(gw), {"service_type": "OPINION", "form": "home_visit", "summary": "走错网格",
                                   "household_id": other.id})
    assert wrong.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请选择本网格的户" in wrong.text


# --- 转为事件 ----------------------------------------------------------------------------------------


def test_a_log_converts_to_a_prefilled_event_that_links_back_once(app, gw):
    from plugins.grid.models import GridEvent, ServiceLog
    c = client_for(app, gw.worker)
    post(c, logs_url(gw), {"service_type": "OPINION", "form": "home_visit", "summary": "居民反映7栋路灯不亮"})
    (log,) = rows(app, gw, ServiceLog)
    grid_page = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    assert f"from_kind=log&amp;from_id={log.id}" in grid_page
    form = c.get(f"/t/{gw.street.slug}/grid/new?from_kind=log&from_id={log.id}").text
    assert "居民反映7栋路灯不亮</textarea>" in form and f'<option value="{gw.grid.id}" selected>' in form
    assert 'name="from_kind" value="log"' in form
    data = {"title": "7栋路灯不亮", "category_id": gw.categories["SA-GARBAGE"], "grid_id": gw.grid.id,
            "urgency": "NORMAL", "source": "GRID_PATROL", "description": "居民反映7栋路灯不亮",
            "from_kind": "log", "from_id": log.id}
    made = post(c, f"/t/{gw.street.slug}/grid/", data)
    assert made.status_code == HTTPStatus.SEE_OTHER
    event_id = int(re.search(r"/grid/(\d+)$", made.headers["Location"]).group(1))
    assert rows(app, gw, ServiceLog)[0].event_id == event_id
    assert "由服务台账转来" in c.get(f"/t/{gw.street.slug}/grid/{event_id}").text
    assert "已转事件" in c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    twice = post(c, f"/t/{gw.street.slug}/grid/", data)
    assert twice.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "已经转为事件" in twice.text
    assert count(app, gw, GridEvent) == 1


def test_a_patrol_finding_converts_and_another_grids_log_is_not_found(app, gw):
    from plugins.grid.models import Patrol
    c = client_for(app, gw.worker)
    post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/patrols",
         {"started_at": "2026-11-20T09:00", "ended_at": "2026-11-20T10:00", "findings": "5栋消防通道堵塞"})
    (patrol,) = rows(app, gw, Patrol)
    made = post(c, f"/t/{gw.street.slug}/grid/", {
        "title": "5栋消防通道堵塞", "category_id": gw.categories["SA-GARBAGE"], "grid_id": gw.grid.id, "urgency": "NORMAL",
        "source": "GRID_PATROL", "from_kind": "patrol", "from_id": patrol.id})
    assert made.status_code == HTTPStatus.SEE_OTHER
    event_id = int(re.search(r"/grid/(\d+)$", made.headers["Location"]).group(1))
    assert rows(app, gw, Patrol)[0].event_id == event_id
    assert "由巡查发现转来" in c.get(f"/t/{gw.street.slug}/grid/{event_id}").text
    leader = client_for(app, gw.leader)
    post(leader, f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}/logs",
         {"service_type": "OPINION", "form": "desk", "summary": "第二网格的记录"})
    from plugins.grid.models import ServiceLog
    (theirs,) = rows(app, gw, ServiceLog, ServiceLog.grid_id == gw.other_grid.id)
    assert c.get(f"/t/{gw.street.slug}/grid/new?from_kind=log&from_id={theirs.id}").status_code == HTTPStatus.NOT_FOUND


def test_the_parties_contacts_are_revealed_on_purpose_and_each_reveal_is_audited(app, gw, create_user):
    from core.audit.models import AuditLog
    case = open_case_from_log(app, gw)
    url = f"/t/{gw.street.slug}/grid/mediation/{case.id}"
    for account in (gw.worker, gw.admin):  # the grid's own staff, and a holder of grid.identity.reveal
        c = client_for(app, account)
        page = c.get(url).text
        assert "王建国" not in page and "13812345678" not in page and 'data-testid="reveal-parties"' in page
        shown = post(c, f"{url}/reveal", {}, headers={"HX-Request": "true"})
        assert shown.status_code == HTTPStatus.OK and "王建国" in shown.text and "13812345678" in shown.text
    assert len(rows(app, gw, AuditLog, AuditLog.action == "pii.reveal")) == 2
    clerk = client_for(app, gw.clerk)  # intake sees the case of its street but may not reveal
    assert 'data-testid="reveal-parties"' not in clerk.get(url).text
    assert post(clerk, f"{url}/reveal", {}).status_code == HTTPStatus.FORBIDDEN
    assert len(rows(app, gw, AuditLog, AuditLog.action == "pii.reveal")) == 2
