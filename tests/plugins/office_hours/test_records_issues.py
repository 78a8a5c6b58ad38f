"""Reception records and the follow-up of every matter: the resident's words read back, records
locked at closing with addenda beside them, zero-visitor receptions flagged; each issue transition
and refusal, referral to a grid only through an event (minimised when confidential), linked grid and
discussion events moving the issue (once per event), chasing and supervision once per clock, and a
callback in which unreachable never counts as satisfied."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.api import clock, db, Event, Refused, Stale
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, in_days, make_reception


def _outbox(name: str) -> list[dict]:
    from core.events.models import EventOutbox
    return [r.payload for r in db.session.scalars(select(EventOutbox).where(EventOutbox.name == name))]


def _held(app, ow) -> int:
    return make_reception(app, ow, clock.utcnow() - timedelta(hours=3), minutes=60, state="held")


def _visit(r, **kw):
    from plugins.office_hours.services import records
    data = {"statement_verbatim": "楼下的路灯坏了三个月了，晚上老人出门看不见。", "category": "urban_property",
            "summary": "路灯损坏", "contact_phone": "13900000002", "read_back": True, **kw}
    return records.record_visit(r, data)


def test_visit_close_lock_and_addendum(app, ow):
    from plugins.office_hours.models import Addendum, Reception
    from plugins.office_hours.services import records
    r_id = _held(app, ow)
    with app.app_context(), tenant_scope(ow.street.id):
        r = db.session.get(Reception, r_id)
        v = _visit(r)
        assert v.read_back_confirmed_at is not None and v.statement_verbatim.startswith("楼下的路灯")
        with pytest.raises(Refused, match="不能少于"):
            records.close(r, 0)
        records.close(r, 2, "两位居民来访")
        assert r.state == "closed" and not r.zero_visitors
        assert _outbox("office_hours.reception_held")[-1]["visitor_count"] == 2
        with pytest.raises(Refused, match="只能追加补充说明"):
            _visit(r)
        with pytest.raises(Refused):
            records.add_addendum(r, "", "x")
        records.add_addendum(r, "更正类别", "应为城建物业中的路灯维护", v.id)
        assert db.session.scalar(select(func.count()).select_from(Addendum)) == 1
        assert v.statement_verbatim.startswith("楼下的路灯")  # the original is unchanged


def test_a_reception_nobody_came_to_is_closed_and_flagged(app, ow):
    from plugins.office_hours.models import Reception
    from plugins.office_hours.services import records
    r_id = _held(app, ow)
    with app.app_context(), tenant_scope(ow.street.id):
        r = db.session.get(Reception, r_id)
        records.close(r, 0)
        assert r.zero_visitors and _outbox("office_hours.reception_held")[-1]["zero_visitors"] is True


def test_closing_needs_every_visit_categorised_and_the_reception_over(app, ow):
    from plugins.office_hours.models import Reception, Visit
    from plugins.office_hours.services import records
    upcoming = make_reception(app, ow, in_days(2))
    r_id = _held(app, ow)
    with app.app_context(), tenant_scope(ow.street.id):
        with pytest.raises(Refused, match="接待结束后"):
            records.close(db.session.get(Reception, upcoming), 0)
        r = db.session.get(Reception, r_id)
        db.session.add(Visit(reception_id=r.id, statement_verbatim="…", category=None))
        db.session.flush()
        with pytest.raises(Refused, match="类别"):
            records.close(r, 1)


def _issue(app, ow, confidential=False):
    from plugins.office_hours.models import Reception, Studio
    from plugins.office_hours.services import issues
    r_id = _held(app, ow)
    with app.app_context(), tenant_scope(ow.street.id):
        v = _visit(db.session.get(Reception, r_id), confidential=confidential)
        i = issues.create(db.session.get(Studio, ow.studio_id), "路灯损坏", visit=v, phone=v.contact_phone)
        return i.id


def _do(app, ow, issue_id, action, **data):
    from plugins.office_hours.models import Issue
    from plugins.office_hours.services import issues
    with app.app_context(), tenant_scope(ow.street.id):
        i = db.session.get(Issue, issue_id)
        issues.act(i, action, data, i.version)
        return i.state


def test_refer_to_a_grid_through_an_event_and_the_grid_closing_it_resolves(app, ow, deliver_event):
    from plugins.office_hours.models import Issue, Referral
    i = _issue(app, ow)
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        issue = db.session.get(Issue, i)
        assert issue.state == "received" and issue.ref_no and issue.ack_due < issue.response_due < issue.resolve_due
        assert _outbox("office_hours.issue_created")[-1]["case_no"] == issue.ref_no
        case_no = issue.ref_no
    with pytest.raises(Refused):
        _do(app, ow, i, "refer", target_type="grid", target_ref="幸福第一网格")  # not triaged yet
    assert _do(app, ow, i, "triage", category="urban_property", proposal="转网格核实维修") == "triaged"
    with pytest.raises(Refused, match="承办单位"):
        _do(app, ow, i, "refer", target_type="grid", target_ref="")
    assert _do(app, ow, i, "refer", target_type="grid", target_ref="幸福第一网格") == "referred"
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        sent = _outbox("office_hours.issue_referred")[-1]
        assert sent["case_no"] == case_no and sent["contact_phone"] == "13900000002" and "路灯" in sent["description"]
        assert db.session.scalar(select(Referral.accept_due)) is not None

    @dataclass
    class GridCreated(Event):
        name = "grid.event_created"
        event_id: int = 0
        case_no: str = ""

    @dataclass
    class GridClosed(Event):
        name = "grid.event_closed"
        event_id: int = 0
        case_no: str = ""

    assert deliver_event(ow.street, GridCreated(event_id=77, case_no=case_no))
    closed = GridClosed(event_id=77, case_no=case_no)
    assert deliver_event(ow.street, closed)
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        issue = db.session.get(Issue, i)
        assert (issue.state, issue.linked_id) == ("resolved", "77")
    assert _do(app, ow, i, "feedback", note="路灯已于本周修复") == "feedback_given"
    assert _do(app, ow, i, "callback", result="unreachable") == "feedback_given"
    assert _do(app, ow, i, "callback", result="unreachable") == "feedback_given"
    assert _do(app, ow, i, "callback", result="unreachable") == "closed"  # three attempts: closed, not satisfied
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        assert _outbox("office_hours.issue_closed")[-1]["result"] == "unreachable"


def test_a_confidential_matter_reaches_the_grid_as_its_category_only(app, ow):
    i = _issue(app, ow, confidential=True)
    _do(app, ow, i, "triage", category="dispute")
    _do(app, ow, i, "refer", target_type="grid", target_ref="幸福第一网格")
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        sent = _outbox("office_hours.issue_referred")[-1]
        assert (sent["description"], sent["contact_phone"], sent["title"], sent["category"]) == (
            "", "", "民情事项", "dispute")


def test_decline_returns_it_and_a_department_reports_the_result(app, ow):
    i = _issue(app, ow)
    _do(app, ow, i, "triage", category="livelihood")
    _do(app, ow, i, "refer", target_type="department", target_ref="区民政局")
    with pytest.raises(Refused, match="退回原因"):
        _do(app, ow, i, "decline")
    assert _do(app, ow, i, "decline", note="不属本单位职责") == "triaged"
    _do(app, ow, i, "refer", target_type="department", target_ref="区人社局")
    assert _do(app, ow, i, "accept") == "in_progress"
    with pytest.raises(Refused):
        _do(app, ow, i, "result")
    assert _do(app, ow, i, "result", note="已办理低保复核") == "resolved"
    _do(app, ow, i, "feedback", note="低保复核已通过")
    assert _do(app, ow, i, "callback", result="unsatisfied", note="金额有误") == "triaged"
    from plugins.office_hours.models import Issue
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        assert db.session.get(Issue, i).reopen_count == 1


def test_answer_on_the_spot_not_acceptable_and_merge(app, ow):
    a, b, c = _issue(app, ow), _issue(app, ow), _issue(app, ow)
    _do(app, ow, a, "triage", category="consultation")
    assert _do(app, ow, a, "answer", note="已当场解释政策") == "feedback_given"
    assert _do(app, ow, a, "callback", result="satisfied") == "closed"
    _do(app, ow, b, "triage", category="other")
    with pytest.raises(Refused):
        _do(app, ow, b, "not_acceptable")
    assert _do(app, ow, b, "not_acceptable", note="属司法程序，已告知途径") == "feedback_given"
    from plugins.office_hours.models import Issue
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        target = db.session.get(Issue, b).ref_no
        closed_ref = db.session.get(Issue, a).ref_no
    with pytest.raises(Refused):
        _do(app, ow, c, "merge", target_ref=closed_ref)
    assert _do(app, ow, c, "merge", target_ref=target) == "merged"
    assert _do(app, ow, b, "callback", result="basic") == "closed"
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        assert db.session.get(Issue, c).state == "closed"


def test_escalation_to_discussion_and_its_outcome_once_per_event(app, ow):
    from plugins.office_hours.models import Issue, IssueStep
    i = _issue(app, ow)
    _do(app, ow, i, "triage", category="livelihood")
    assert _do(app, ow, i, "escalate", target_type="discussion") == "escalated"
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        case_no = db.session.get(Issue, i).ref_no
        assert _outbox("office_hours.issue_escalated")[-1]["case_no"] == case_no

    @dataclass
    class Decided(Event):
        name = "discussion.matter_decided"
        case_no: str = ""
        outcome: str = ""

    @dataclass
    class Closed(Event):
        name = "discussion.matter_closed"
        case_no: str = ""
        outcome: str = ""

    # the discussion plugin is not installed here: its events are handed to the subscriber as the
    # outbox would hand them (with their outbox id), twice for the closing one
    from plugins.office_hours.services.issues import on_outside_event
    with app.app_context(), tenant_scope(ow.street.id):
        on_outside_event(Decided(case_no=case_no, outcome="approved", id=9001))
        assert db.session.get(Issue, i).state == "escalated"
        on_outside_event(Closed(case_no=case_no, outcome="加装电梯项目已立项", id=9002))
        on_outside_event(Closed(case_no=case_no, outcome="加装电梯项目已立项", id=9002))
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        assert db.session.get(Issue, i).state == "resolved"
        assert db.session.scalar(select(func.count()).select_from(IssueStep).where(
            IssueStep.issue_id == i, IssueStep.to_state == "resolved")) == 1


def test_chase_at_three_quarters_and_supervise_at_the_deadline_once(app, ow):
    from plugins.office_hours.models import Issue, SupervisionLog
    from plugins.office_hours.services import issues
    i = _issue(app, ow)
    _do(app, ow, i, "triage", category="livelihood")
    with app.app_context(), tenant_scope(ow.street.id):
        issue = db.session.get(Issue, i)
        start, due = clock.aware(issue.clock_from), clock.aware(issue.resolve_due)
        assert issues.watch_deadlines(start + (due - start) * 0.5) == {"chase": 0, "supervise": 0}
        assert issues.watch_deadlines(start + (due - start) * 0.8) == {"chase": 1, "supervise": 0}
        assert issues.watch_deadlines(due + timedelta(minutes=1)) == {"chase": 0, "supervise": 1}
        assert issues.watch_deadlines(due + timedelta(minutes=2)) == {"chase": 0, "supervise": 0}
        assert issue.overdue
        assert db.session.scalar(select(func.count()).select_from(SupervisionLog)) == 2


def test_issue_page_actions_and_a_stale_version(app, ow):
    i = _issue(app, ow)
    c = client_for(app, ow.desk)
    base = f"/t/{ow.street.slug}/office_hours/issues/{i}"
    page = c.get(base)
    assert page.status_code == 200 and 'data-action="triage"' in page.text and 'data-action="refer"' not in page.text
    assert post(c, f"{base}/act/triage", {"version": 1, "category": "livelihood"}).status_code == 303
    stale = post(c, f"{base}/act/refer", {"version": 1, "target_type": "department", "target_ref": "区民政局"})
    assert stale.status_code == 409 and "已分办" in stale.text
    bad = post(c, f"{base}/act/refer", {"version": 2, "target_type": "department", "target_ref": ""})
    assert bad.status_code == 422 and "承办单位" in bad.text
    assert Stale


def test_desk_page_records_a_visit_and_creates_an_issue(app, ow):
    from plugins.office_hours.models import Issue, Visit
    r_id = _held(app, ow)
    c = client_for(app, ow.desk)
    url = f"/t/{ow.street.slug}/office_hours/desk/{r_id}/visits"
    bad = post(c, url, {"statement_verbatim": "", "category": ""})
    assert bad.status_code == 422 and "必填" in bad.text
    ok = post(c, url, {"statement_verbatim": "希望小区加装电梯", "category": "livelihood", "read_back": "true",
                       "create_issue": "true"})
    assert ok.status_code == 303
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        v = db.session.scalar(select(Visit))
        assert v.read_back_confirmed_at and db.session.scalar(select(Issue.visit_id)) == v.id
