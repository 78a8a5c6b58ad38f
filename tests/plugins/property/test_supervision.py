"""Supervision (spec §3.2): the clock counts working days on the tenant calendar (skipping the National Day
holiday, counting its 调休 Saturday), warns at 2 and escalates at 3 once; a provider comment restarts it
until the completion deadline has passed, an internal note never does. Escalated tickets become a
community-level grid event when grid is on (a company-employed checker is refused, a grid worker of the
compound's grid checks, the mirror closes and the resident rates), else they wait in the community's queue."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from core.api import clock, db
from core.testing.factories import post

from .conftest import act, client_for, in_tenant, report, settle, ticket_row, url

SH = clock.SHANGHAI


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(clock.timezone_utc())


def set_clock(app, pw, ticket_id, when, **extra):
    from plugins.property.models import Ticket
    with app.app_context(), in_tenant(pw):
        t = db.session.get(Ticket, ticket_id)
        t.created_at = t.clock_from = when
        for k, v in extra.items():
            setattr(t, k, v)
        db.session.commit()


def run(app, pw, now):
    """The supervision job at ``now``, then the delivery of what it announced (as the job runner does)."""
    from core.events import take_committed
    from core.events.dispatch import deliver_many
    from plugins.property.services import supervision
    with app.app_context():
        with in_tenant(pw):
            result = supervision.run(now)
        for _ in range(5):  # and what the subscribers announced in turn
            deliver_many(take_committed())
        return result


def inbox(app, pw, account):
    from core.ui.models import Notification
    with app.app_context(), in_tenant(pw):
        return [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == account.id))]


def test_the_clock_skips_the_national_day_holiday_and_counts_its_makeup_saturday(app, pw):
    from core import api
    with app.app_context(), in_tenant(pw):
        cal = api.work_calendar()
        assert not cal.is_working(date(2025, 10, 3)) and cal.is_working(date(2025, 10, 11))  # 调休 Saturday
    t = report(app, pw)
    set_clock(app, pw, t, at(2025, 9, 30, 10, 0))  # Tuesday before the holiday
    assert run(app, pw, at(2025, 10, 3, 12, 0)) == {"warned": 0, "escalated": 0}  # 3 natural days: nothing
    assert run(app, pw, at(2025, 10, 10, 9, 59)) == {"warned": 0, "escalated": 0}
    assert run(app, pw, at(2025, 10, 10, 10, 1)) == {"warned": 1, "escalated": 0}  # 2 W-days: 10-09, 10-10
    assert any("再无处理将于" in title and "转社区督办" in title for title in inbox(app, pw, pw.provider))
    assert run(app, pw, at(2025, 10, 10, 18, 0)) == {"warned": 0, "escalated": 0}  # warned once
    assert run(app, pw, at(2025, 10, 11, 9, 59))["escalated"] == 0
    assert run(app, pw, at(2025, 10, 11, 10, 1)) == {"warned": 0, "escalated": 1}  # the 调休 Saturday counts
    row = ticket_row(app, pw, t)
    assert row.sent_to_community_at is not None and row.is_mirror and row.state == "NEW"
    assert run(app, pw, at(2025, 10, 20, 10, 0))["escalated"] == 0  # once per ticket
    assert any("已转社区督办" in title for title in inbox(app, pw, pw.resident))
    assert any("已转社区督办" in title for title in inbox(app, pw, pw.staff))
    page = client_for(app, pw.resident).get(url(pw, f"/tickets/{t}")).text
    assert 'data-testid="escalated"' in page
    queue = client_for(app, pw.staff).get(url(pw, "/supervision")).text  # grid is off: the community's queue
    assert row.ref_no in queue


def test_a_provider_comment_restarts_the_clock_but_not_an_internal_note_nor_after_the_deadline(app, pw):
    t = report(app, pw)
    set_clock(app, pw, t, at(2026, 3, 2, 9, 0), complete_due=at(2099, 1, 1))  # Monday
    act(app, pw, pw.provider, t, "comment", text="内部：等材料", internal="true")
    assert ticket_row(app, pw, t).clock_from == at(2026, 3, 2, 9, 0).replace(tzinfo=None) or \
        clock.aware(ticket_row(app, pw, t).clock_from) == at(2026, 3, 2, 9, 0)
    act(app, pw, pw.provider, t, "comment", text="明天上门")
    restarted = clock.aware(ticket_row(app, pw, t).clock_from)
    assert restarted > at(2026, 3, 2, 9, 0)
    late = report(app, pw)
    set_clock(app, pw, late, at(2026, 3, 2, 9, 0), complete_due=at(2026, 3, 5, 9, 0))  # already past
    act(app, pw, pw.provider, late, "comment", text="再等等")
    assert clock.aware(ticket_row(app, pw, late).clock_from) == at(2026, 3, 2, 9, 0)  # anti-stalling
    act(app, pw, pw.provider, late, "accept")  # a status change still counts
    assert clock.aware(ticket_row(app, pw, late).clock_from) > at(2026, 3, 2, 9, 0)


def test_without_grid_the_community_checks_and_the_company_may_not(app, pw, create_user):
    from plugins.property.models import PropertyCompany
    from plugins.property.services import registry
    t = report(app, pw)
    set_clock(app, pw, t, at(2026, 3, 2, 9, 0))
    run(app, pw, at(2026, 3, 6, 10, 0))
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "已修好", "photo": "P"})):
        assert act(app, pw, pw.provider, t, step, **data).status_code == 303
    assert ticket_row(app, pw, t).state == "COMPLETED"
    moonlighter = create_user(pw.street, "community_staff", unit_id=pw.community.id)
    with app.app_context(), in_tenant(pw):
        registry.add_staff(db.session.get(PropertyCompany, pw.companies["market"]),
                           _username(app, moonlighter), "兼职")
        db.session.commit()
    c = client_for(app, moonlighter)
    resp = post(c, url(pw, f"/tickets/{t}/check"), {"passed": "true"})
    assert resp.status_code in (404, 422)  # a company's account sees the ticket as the company, and may not check
    assert ticket_row(app, pw, t).state == "COMPLETED"
    resp = post(client_for(app, pw.staff), url(pw, f"/tickets/{t}/check"), {"passed": "true"})
    assert resp.status_code == 303
    row = ticket_row(app, pw, t)
    assert row.state == "CLOSED" and row.close_reason == "verified_by_community"


def _username(app, account):
    return account.username


def test_with_grid_an_escalation_becomes_a_community_event_checked_by_the_grid_worker(app, pw, enable_plugin,
                                                                                       create_user):
    from plugins.grid.models import GridEvent, Transition
    from plugins.property.models import PropertyCompany
    from plugins.property.services import registry
    enable_plugin(pw.street, "grid")
    # a grid worker of the compound's grid who also works part-time for the company
    moonlighter = create_user(pw.street, "grid_worker", unit_id=pw.grids[0].id)
    with app.app_context(), in_tenant(pw):
        registry.add_staff(db.session.get(PropertyCompany, pw.companies["market"]), moonlighter.username, "兼职保安")
        db.session.commit()
    t = report(app, pw, description="单元门禁坏了一周")
    set_clock(app, pw, t, at(2026, 3, 2, 9, 0))
    act(app, pw, pw.provider, t, "comment", text="内部备注", internal="true")
    set_clock(app, pw, t, at(2026, 3, 2, 9, 0))
    assert run(app, pw, at(2026, 3, 6, 10, 0))["escalated"] == 1
    row = ticket_row(app, pw, t)
    with app.app_context(), in_tenant(pw):
        made = db.session.scalars(select(GridEvent).where(GridEvent.source == "PROPERTY")).all()
        assert len(made) == 1
        e = made[0]
        assert e.level == 1 and e.grid_id == pw.grids[0].id and row.ref_no in e.title
        assert "单元门禁坏了一周" in e.description and "内部备注" not in e.description
        payload = db.session.scalar(select(Transition.payload).where(Transition.event_id == e.id, Transition.code == "T1"))
        assert {pw.provider.id, moonlighter.id} <= set(payload["from"]["excluded_checkers"])
        event_id = e.id
    assert ticket_row(app, pw, t).grid_event_ref == str(event_id)  # linked back through the case
    # the event again (a redelivery) makes no second grid event
    assert run(app, pw, at(2026, 3, 20, 10, 0))["escalated"] == 0
    with app.app_context(), in_tenant(pw):
        assert db.session.scalar(select(func.count()).select_from(GridEvent).where(GridEvent.source == "PROPERTY")) == 1
    # the community dispatches it back to the company (the compound), signs, the company does the work
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": pw.compounds[0].id}),
                       ("sign", {})):
        resp = grid_act(app, pw, pw.admin, event_id, name, **data)
        assert resp.status_code == 200, (name, resp.text[:400])
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "门禁已更换", "photo": "P"})):
        assert act(app, pw, pw.provider, t, step, **data).status_code == 303
    assert grid_state(app, pw, event_id) == "AWAITING_CHECK"  # the company's completion closes nothing
    # the grid worker who also works for the company is refused
    resp = grid_act(app, pw, moonlighter, event_id, "check_pass")
    assert resp.status_code in (403, 409, 422) and "物业企业的员工不能核查本企业的工作" in resp.text
    assert grid_act(app, pw, pw.other_worker, event_id, "check_pass").status_code == 404  # another grid's
    resp = grid_act(app, pw, pw.staff, event_id, "check_pass")  # community staff: not the grid's worker
    assert resp.status_code in (403, 409, 422) and "小区所在网格的网格员" in resp.text
    assert grid_state(app, pw, event_id) == "AWAITING_CHECK"
    resp = grid_act(app, pw, pw.worker, event_id, "check_pass")
    assert resp.status_code == 200, resp.text[:400]
    row = ticket_row(app, pw, t)
    assert row.state == "CLOSED" and row.close_reason == "verified_by_grid"
    assert act(app, pw, pw.resident, t, "rate", rating="good").status_code == 303
    assert ticket_row(app, pw, t).rating == "good"


def test_a_failed_grid_check_sends_the_mirror_back_to_work(app, pw, enable_plugin, deliver_event):
    from plugins.grid.events import CheckResult
    enable_plugin(pw.street, "grid")
    t = report(app, pw)
    set_clock(app, pw, t, at(2026, 3, 2, 9, 0))
    run(app, pw, at(2026, 3, 6, 10, 0))
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "好了", "photo": "P"})):
        act(app, pw, pw.provider, t, step, **data)
    event_id = int(ticket_row(app, pw, t).grid_event_ref)
    assert deliver_event(pw.street, CheckResult(event_id=event_id, passed=False, reason="门禁仍不能刷卡"))
    assert ticket_row(app, pw, t).state == "IN_PROGRESS"


def grid_state(app, pw, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), in_tenant(pw):
        return db.session.get(GridEvent, event_id).state


def grid_act(app, pw, account, event_id, name, **data):
    from plugins.grid.models import GridEvent
    with app.app_context(), in_tenant(pw):
        version = db.session.get(GridEvent, event_id).version
    resp = post(client_for(app, account), f"/t/{pw.street.slug}/grid/{event_id}/act/{name}",
                {"version": version, **data}, headers={"HX-Request": "true"})
    settle(app, pw)
    return resp
