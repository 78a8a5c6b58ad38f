"""Monthly assessments (default scheme of 8 categories, 39 items, 100 points; immutable once used; another
person confirms; cards) and four-party joint meetings (parties by role, an absence flagged, open actions
carried to the next agenda, minutes locked once approved, grid-event actions announced)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.api import Refused, clock
from core.db import db
from core.testing.factories import htmx, login, post

from .money_world import in_tenant, mw  # noqa: F401 - the fixture

JAN = date(2025, 1, 1)


def _a():
    from plugins.property.services import assessment
    return assessment


def _full(a, scheme_items, lose: dict | None = None):
    svc = _a()
    for code, item in scheme_items.items():
        score = item["max"] - (lose or {}).get(code, 0)
        svc.score_item(a, code, str(score), "扣分：楼道堆物" if score < item["max"] else "")


def test_the_default_scheme_has_8_categories_39_items_and_100_points_and_is_immutable_once_used(app, mw):
    svc = _a()

    def run():
        s = svc.default_scheme()
        return len(s.checklist), len(svc.items(s)), svc.total_points(s), s.id
    cats, items, points, scheme_id = in_tenant(app, mw.street, run)
    assert (cats, items, points) == (8, 39, 100)
    in_tenant(app, mw.street, lambda: svc.start(mw.compound.id, mw.fallback_id, JAN), user_id=mw.admin.id)
    from plugins.property.models import AssessmentScheme
    with pytest.raises(Refused, match="不能修改"):
        in_tenant(app, mw.street, lambda: svc.change_scheme(db.session.get(AssessmentScheme, scheme_id),
                                                            {"tiers": [[0, 10000]]}))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with pytest.raises(DBAPIError, match="locked"):
            in_tenant(app, mw.street, lambda: db.session.execute(text(
                "UPDATE property__assessment_scheme SET min_ticket_sample = 1 WHERE id = :i"), {"i": scheme_id}))


def test_scoring_submit_confirm_by_another_person_then_the_subsidy_line_follows(app, mw):
    svc = _a()
    from plugins.property.models import Assessment, SubsidyEntry
    a_id = in_tenant(app, mw.street, lambda: svc.start(mw.compound.id, mw.fallback_id, JAN).id, user_id=mw.admin.id)
    get = lambda: db.session.get(Assessment, a_id)  # noqa: E731
    items = in_tenant(app, mw.street, lambda: svc.items(svc.default_scheme()))
    with pytest.raises(Refused, match="0 到 3"):
        in_tenant(app, mw.street, lambda: svc.score_item(get(), "A1", "4"), user_id=mw.admin.id)
    with pytest.raises(Refused, match="未打分"):
        in_tenant(app, mw.street, lambda: svc.submit(get()), user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: _full(get(), items, {"A1": 1, "B1": 2}), user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: svc.score_item(get(), "C1", "2.5"), user_id=mw.admin.id)  # no note
    with pytest.raises(Refused, match="照片或说明"):
        in_tenant(app, mw.street, lambda: svc.submit(get()), user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: svc.score_item(get(), "C1", "2.5", "水泵房未上锁"), user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: svc.submit(get()), user_id=mw.admin.id)
    with pytest.raises(Refused, match="同一人"):
        in_tenant(app, mw.street, lambda: svc.confirm(get()), user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: svc.confirm(get()), user_id=mw.approver.id)
    a = in_tenant(app, mw.street, lambda: (get().composite_e4, get().card, get().kpi_note))
    assert a[0] == 965000 and a[1] == "none" and "不足" in a[2]  # 100 − 3 − 0.5 = 96.50, inspection only
    line = in_tenant(app, mw.street, lambda: db.session.scalars(select(SubsidyEntry)).one())
    assert (line.kind, line.score, line.tier_ratio, line.amount_fen, line.assessment_id) == \
        ("accrual", 9650, 10000, 300000, a_id)


def test_below_60_is_a_yellow_card_and_the_third_within_a_year_is_red(app, mw):
    svc = _a()
    from plugins.property.models import Assessment
    from plugins.property.services.money import e4

    def card(month, composite):
        a = Assessment(compound_id=mw.compound.id, provider_id=mw.fallback_id, month=month,
                       scheme_id=svc.default_scheme().id, inspection_e4=e4(composite), state="submitted")
        db.session.add(a)
        db.session.flush()
        svc.confirm(a)
        return a.card
    cards = [in_tenant(app, mw.street, lambda m=m, c=c: card(m, c), user_id=mw.approver.id)
             for m, c in ((date(2024, 3, 1), "55"), (date(2024, 6, 1), "61"), (date(2024, 9, 1), "59.99"),
                          (date(2025, 1, 1), "40"))]
    assert cards == ["yellow", "none", "yellow", "red"]


def test_the_checklist_autosaves_one_item_and_updates_the_running_total_out_of_band(app, client, mw):
    svc = _a()
    a_id = in_tenant(app, mw.street, lambda: svc.start(mw.compound.id, mw.fallback_id, JAN).id, user_id=mw.admin.id)
    login(client, mw.admin)
    url = f"/t/{mw.street.slug}/property/assessments/{a_id}"
    page = client.get(url).text
    assert "综合管理" in page and "群众满意" in page and page.count('name="score"') == 39
    r = post(client, url + "/score", {"code": "A1", "score": "3"}, headers=htmx("saved-A1"))
    assert r.status_code == 200 and "已保存" in r.text and 'hx-swap-oob="true"' in r.text and "3.00" in r.text
    r = post(client, url + "/score", {"code": "A1", "score": "9"}, headers=htmx("saved-A1"))
    assert r.status_code == 422 and "0 到 3" in r.text
    assert client.get(f"/t/{mw.street.slug}/property/assessments?month=2025-01").status_code == 200
    assert "39" in client.get(f"/t/{mw.street.slug}/property/assessments/scheme").text


def _m():
    from plugins.property.services import meetings
    return meetings


def test_a_meeting_records_parties_flags_an_absence_locks_its_minutes_and_carries_open_actions(app, mw):
    svc = _m()
    from plugins.property.models import JointMeeting, MeetingAction
    at = datetime(2025, 1, 15, 15, tzinfo=clock.SHANGHAI)
    m_id = in_tenant(app, mw.street, lambda: svc.schedule({"community_id": mw.community.id, "scheduled_at": at,
                                                           "compound_ids": [mw.compound.id]}).id,
                     user_id=mw.reviewer.id)
    get = lambda: db.session.get(JointMeeting, m_id)  # noqa: E731
    roles = in_tenant(app, mw.street, lambda: [p["role"] for p in get().parties_present])
    assert roles == ["party_org", "residents_committee", "owners_committee", "property_company"]
    with pytest.raises(Refused, match="先登记参会"):
        in_tenant(app, mw.street, lambda: svc.add_action(get(), {"text": "x", "kind": "task"}), user_id=mw.reviewer.id)
    in_tenant(app, mw.street, lambda: svc.record(get(), {"present": ["party_org", "residents_committee",
                                                                      "property_company"], "minutes": "会商三件事"}),
              user_id=mw.reviewer.id)
    assert in_tenant(app, mw.street, lambda: get().party_absent) is True
    in_tenant(app, mw.street, lambda: svc.add_action(get(), {"text": "清理消防通道", "kind": "grid_event",
                                                             "owner": "物业"}), user_id=mw.reviewer.id)
    done_id = in_tenant(app, mw.street, lambda: svc.add_action(get(), {"text": "修路灯", "kind": "task"}).id,
                        user_id=mw.reviewer.id)
    in_tenant(app, mw.street, lambda: svc.close_action(db.session.get(MeetingAction, done_id), "已修好"),
              user_id=mw.reviewer.id)
    in_tenant(app, mw.street, lambda: svc.approve(get()), user_id=mw.reviewer.id)
    with pytest.raises(Refused, match="锁定"):
        in_tenant(app, mw.street, lambda: svc.record(get(), {"present": [], "minutes": "改纪要"}),
                  user_id=mw.reviewer.id)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with pytest.raises(DBAPIError, match="locked"):
            in_tenant(app, mw.street, lambda: db.session.execute(text(
                "UPDATE property__joint_meeting SET minutes = 'x' WHERE id = :i"), {"i": m_id}))
    nxt = in_tenant(app, mw.street, lambda: svc.schedule({"community_id": mw.community.id,
                                                          "scheduled_at": datetime(2025, 2, 15, 15, tzinfo=clock.SHANGHAI)}),
                    user_id=mw.reviewer.id)
    carried = in_tenant(app, mw.street, lambda: [db.session.get(MeetingAction, i).text
                                                 for i in db.session.get(JointMeeting, nxt.id).carried_action_ids])
    assert carried == ["清理消防通道"]  # the open one returns; the finished one does not
    from core.events.models import EventOutbox as Outbox
    names = in_tenant(app, mw.street, lambda: [o.name for o in db.session.scalars(select(Outbox))])
    assert names.count("property.meeting_action_created") == 1


def test_meeting_pages_attendance_and_an_action_converted_by_htmx(app, client, mw):
    login(client, mw.admin)
    base = f"/t/{mw.street.slug}/property/meetings"
    picker = client.get(base).text.split('data-testid="compound-picker"')[1].split("</fieldset>")[0]
    # compound names repeat across communities: each one is listed under its community, beside its checkbox
    assert "河西社区" in picker and picker.count('<label class="check"><input type="checkbox" name="compound_ids"') == 2
    bad = post(client, base, {"community_id": str(mw.community.id), "scheduled_at": "tomorrow"})
    assert bad.status_code == 422 and "格式不正确" in bad.text
    r = post(client, base, {"community_id": str(mw.community.id), "scheduled_at": "2025-01-15T15:00",
                            "location": "河西社区党群服务中心", "compound_ids": str(mw.compound.id)})
    assert r.status_code == 303
    url = r.headers["Location"]
    page = client.get(url).text
    assert "社区党组织" in page and "物业服务企业" in page and "河西第1小区" in page
    r = post(client, url + "/record", {"present": ["party_org", "residents_committee", "owners_committee",
                                                   "property_company"], "minutes": "议定两件事"})
    assert r.status_code == 303
    r = post(client, url + "/actions", {"text": "增设充电桩", "kind": "co_building", "owner": "居委会"},
             headers=htmx("action-rows"))
    assert r.status_code == 200 and "共建需求" in r.text and "PM-" in r.text
    r = post(client, url + "/actions", {"text": "", "kind": "task"}, headers=htmx("action-rows"))
    assert r.status_code == 422 and "必填" in r.text
    r = post(client, url + "/actions", {"text": "修复3号楼单元门禁", "kind": "ticket"}, headers=htmx("action-rows"))
    assert r.status_code == 200 and "报修工单" in r.text
    from plugins.property.models import MeetingAction, Ticket
    ref, desc = in_tenant(app, mw.street, lambda: (lambda a: (a.target_ref, db.session.scalar(
        select(Ticket.description).where(Ticket.ref_no == a.target_ref))))(db.session.scalar(
        select(MeetingAction).where(MeetingAction.kind == "ticket"))))
    assert ref and ref in r.text and desc == "修复3号楼单元门禁"
    assert post(client, url + "/approve", {}).status_code == 303
    page = client.get(url).text
    assert "纪要已审定" in page and "议定两件事" in page
    assert client.get(base + "/report?year=2025&quarter=1").status_code == 200
    assert "达标" in client.get(base + "/report?year=2025&quarter=1").text


def test_the_list_of_parties_is_a_setting_of_the_tenant(app, mw):
    svc = _m()

    from core.plugins import admin
    assert len(in_tenant(app, mw.street, svc.parties)) == 4
    in_tenant(app, mw.street, lambda: admin.save_settings(
        mw.street.id, "property", {"meeting_parties": "party_org:社区党组织,residents_committee:居委会,police:社区民警"}),
        user_id=mw.admin.id)
    assert in_tenant(app, mw.street, svc.parties) == [("party_org", "社区党组织"), ("residents_committee", "居委会"),
                                                      ("police", "社区民警")]


def test_the_ticket_kpi_from_the_months_public_area_tickets_weighs_30_percent(app, mw):
    svc = _a()
    from datetime import timedelta, timezone

    from plugins.property.models import Assessment, Ticket

    def tickets():
        at = datetime(2025, 1, 10, 2, tzinfo=timezone.utc)
        for n in range(10):  # 8 on time, 6 rated good, 2 sent to the community
            db.session.add(Ticket(ref_no=f"KPI-{n}", compound_id=mw.compound.id, provider_id=mw.fallback_id,
                                  area="public", created_at=at, complete_due=at + timedelta(days=3),
                                  completed_at=at + timedelta(days=2 if n < 8 else 5),
                                  rating="good" if n < 6 else "bad",
                                  sent_to_community_at=at + timedelta(days=4) if n >= 8 else None))
        db.session.add(Ticket(ref_no="KPI-home", compound_id=mw.compound.id, provider_id=mw.fallback_id,
                              area="in_home", created_at=at))  # in-home work never counts
        db.session.add(Ticket(ref_no="KPI-wd", compound_id=mw.compound.id, provider_id=mw.fallback_id,
                              area="public", created_at=at, close_reason="withdrawn"))
        a = svc.start(mw.compound.id, mw.fallback_id, JAN)
        scheme = svc.default_scheme()
        a.item_scores = {c: {"score": str(i["max"]), "note": "", "photo": ""} for c, i in svc.items(scheme).items()}
        a.item_scores["A1"] = {"score": "0", "note": "未公示", "photo": ""}  # 97.00
        db.session.flush()
        svc.submit(a)
        return a.id
    a_id = in_tenant(app, mw.street, tickets, user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: svc.confirm(db.session.get(Assessment, a_id)), user_id=mw.approver.id)
    got = in_tenant(app, mw.street, lambda: (lambda a: (a.ticket_sample, a.ticket_kpi_e4, a.composite_e4))(
        db.session.get(Assessment, a_id)))
    # KPI = 100 × (0.4 × 8/10 + 0.3 × 6/10 + 0.3 × (1 − 2/10)) = 74.00; 0.7 × 97 + 0.3 × 74 = 90.10
    assert got == (10, 740000, 901000)
