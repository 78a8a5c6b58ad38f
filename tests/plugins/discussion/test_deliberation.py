"""Matters, quarterly cycles, joint meetings with quorum, votes with recusal, append-only decisions, locked
minutes, result publicity with objections to the last second, roll-over across quarters."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from core.api import db, Refused
from core.testing.factories import post

from .conftest import client_for, in_tenant


@pytest.fixture
def seated(app, dw):
    """Five voting members and one observer on the station, and a meeting scheduled this quarter."""
    from plugins.discussion.models import Cycle, Member
    from plugins.discussion.services import meetings
    with app.app_context(), in_tenant(app, dw):
        ids = []
        for i in range(6):
            m = Member(station_id=dw.station_id, name=f"委员{i}", role="chair" if i == 0 else "member",
                       voting=i < 5, unit_id=dw.units[0] if i == 4 else None)
            db.session.add(m)
            db.session.flush()
            ids.append(m.id)
        meeting = meetings.schedule(db.session.get(Cycle, dw.cycle_id), {"starts_on": date.today(),
                                                                         "location": "社区党群服务中心"})
        return {"members": ids, "meeting": meeting.id}


def _matter(app, dw, user=None, title="小区南门增设非机动车棚"):
    from plugins.discussion.models import Station
    from plugins.discussion.services import matters
    with app.app_context(), in_tenant(app, dw, user or dw.resident):
        m = matters.create(db.session.get(Station, dw.station_id), {"title": title, "body": "电动车无处停放"})
        matters.submit(m)
        return m.id


def _get(app, dw, model, id_):
    with app.app_context(), in_tenant(app, dw):
        return db.session.get(model, id_)


def test_a_resident_raises_supports_and_the_author_edits_until_the_freeze(app, dw, seated):
    from plugins.discussion.models import Matter, Meeting, Version
    from plugins.discussion.services import matters, meetings
    c = client_for(app, dw.resident)
    resp = post(c, f"/t/{dw.street.slug}/discussion/stations/{dw.station_id}/matters",
                {"title": "楼道照明不足", "body": "3栋楼道灯坏了一半"})
    assert resp.status_code == 303, resp.text[:400]
    page = c.get(resp.headers["Location"]).text
    assert "楼道照明不足" in page and "已提交" in page
    mid = int(resp.headers["Location"].rsplit("/", 1)[1])
    other = client_for(app, dw.other_resident)
    resp = post(other, f"/t/{dw.street.slug}/discussion/matters/{mid}/support", {},
                headers={"HX-Request": "true", "HX-Target": "support"})
    assert resp.status_code == 200 and 'data-testid="support-count">1<' in resp.text and "已关注" in resp.text
    with app.app_context(), in_tenant(app, dw, dw.other_resident):
        with pytest.raises(Refused, match="只有提出人"):
            matters.edit(db.session.get(Matter, mid), {"title": "x", "body": "y"})
    with app.app_context(), in_tenant(app, dw, dw.resident):
        matters.edit(db.session.get(Matter, mid), {"title": "楼道照明不足（3栋）", "body": "3栋楼道灯坏了一半"})
    with app.app_context(), in_tenant(app, dw, dw.staff):
        m = db.session.get(Matter, mid)
        matters.screen(m, {"result": "admit", "reason": ""})
        meetings.put_on_agenda(m, db.session.get(Meeting, seated["meeting"]))
    with app.app_context(), in_tenant(app, dw, dw.resident):
        with pytest.raises(Refused, match="不能再修改"):
            matters.edit(db.session.get(Matter, mid), {"title": "改了", "body": "改了"})
        versions = db.session.scalars(select(Version.kind).where(Version.entity_id == mid).order_by(Version.id)).all()
        assert versions == ["edit", "edit", "snapshot"]
        assert db.session.get(Matter, mid).state == "scheduled"


def test_screening_refusals_and_a_public_reason_to_not_admit(app, dw):
    from plugins.discussion.models import Matter
    from plugins.discussion.services import matters
    mid = _matter(app, dw)
    with app.app_context(), in_tenant(app, dw, dw.resident):
        with pytest.raises(Refused, match="审查人不能是提出人"):
            matters.screen(db.session.get(Matter, mid), {"result": "admit"})
    c = client_for(app, dw.staff)
    resp = post(c, f"/t/{dw.street.slug}/discussion/matters/{mid}/screen", {"result": "not_admit", "reason": ""})
    assert resp.status_code == 422 and "公开理由" in resp.text
    resp = post(c, f"/t/{dw.street.slug}/discussion/matters/{mid}/screen",
                {"result": "not_admit", "reason": "属物业服务合同范围，已转物业办理"})
    assert resp.status_code == 303
    m = _get(app, dw, Matter, mid)
    assert m.state == "not_admitted" and m.outcome_sent_at is not None


def test_merge_keeps_supports_on_the_original(app, dw):
    from plugins.discussion.models import Matter, Support
    from plugins.discussion.services import matters
    a, b = _matter(app, dw, title="南门车棚"), _matter(app, dw, title="增设车棚")
    with app.app_context(), in_tenant(app, dw, dw.other_resident):
        matters.support(db.session.get(Matter, b))
    with app.app_context(), in_tenant(app, dw, dw.staff):
        matters.merge(db.session.get(Matter, b), db.session.get(Matter, a))
        assert db.session.get(Matter, b).state == "merged"
        assert db.session.scalar(select(Support.matter_id)) == b
        with pytest.raises(Refused):
            matters.merge(db.session.get(Matter, a), db.session.get(Matter, b))


def _to_vote(app, dw, seated):
    from plugins.discussion.models import AgendaItem, Matter, Meeting
    from plugins.discussion.services import matters, meetings
    mid = _matter(app, dw)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        matters.screen(db.session.get(Matter, mid), {"result": "admit"})
        meeting = db.session.get(Meeting, seated["meeting"])
        item = meetings.put_on_agenda(db.session.get(Matter, mid), meeting)
        meetings.open_(meeting)
        assert db.session.scalar(select(AgendaItem.id).where(AgendaItem.subject_type == "list_review"))
        return mid, item.id


def test_quorum_is_recomputed_on_every_arrival_and_departure_and_a_vote_without_it_is_refused(app, dw, seated):
    from plugins.discussion.models import Member, Meeting
    mid, item = _to_vote(app, dw, seated)
    c = client_for(app, dw.chair)
    base = f"/t/{dw.street.slug}/discussion/meetings/{seated['meeting']}"
    for m in seated["members"][:2]:
        assert post(c, f"{base}/arrive?member={m}", {}).status_code == 303
    desk = c.get(base).text
    assert "到会表决成员 2 / 法定人数 3" in desk and "未达法定人数" in desk
    resp = post(c, f"{base}/vote?item={item}", {"method": "show_hands", "votes_for": "2"})
    assert resp.status_code == 422 and "未达法定人数" in resp.text
    post(c, f"{base}/arrive?member={seated['members'][5]}", {})  # an observer does not count
    post(c, f"{base}/arrive?member={seated['members'][2]}", {})
    assert "到会表决成员 3 / 法定人数 3" in c.get(base).text
    post(c, f"{base}/leave?member={seated['members'][2]}", {})
    assert _get(app, dw, Meeting, seated["meeting"]).present_voting == 2
    post(c, f"{base}/arrive?member={seated['members'][2]}", {})
    post(c, f"{base}/arrive?member={seated['members'][4]}", {})
    # four present, one recused: three may vote, a tally of four is impossible
    resp = post(c, f"{base}/vote?item={item}", {"method": "ballot", "votes_for": "3", "votes_against": "1",
                                                "recused": str(seated["members"][4])})
    assert resp.status_code == 422 and "超过可表决人数 3" in resp.text
    resp = c.post(f"{base}/vote?item={item}", data={"method": "ballot", "votes_for": "2", "votes_against": "1",
                                                   "recused": [str(seated["members"][4])],
                                                   "csrf_token": _csrf(c)})
    assert resp.status_code == 303, resp.text[:500]
    from plugins.discussion.models import Matter, Vote
    assert _get(app, dw, Matter, mid).state == "decided_approved"
    with app.app_context(), in_tenant(app, dw):
        v = db.session.scalar(select(Vote))
        assert (v.eligible_present, v.recused_member_ids) == (3, [seated["members"][4]])
        assert db.session.get(Member, seated["members"][4]).unit_id == dw.units[0]
    resp = post(c, f"{base}/vote?item={item}", {"method": "show_hands", "votes_for": "3"})
    assert resp.status_code == 422 and "另行作出新决定" in resp.text


def _csrf(client):
    from core.testing.factories import csrf_token
    return csrf_token(client)


def _hold_meeting(app, dw, seated, votes_for=3):
    from plugins.discussion.models import AgendaItem, Member, Meeting
    from plugins.discussion.services import meetings
    mid, item = _to_vote(app, dw, seated)
    with app.app_context(), in_tenant(app, dw, dw.chair):
        meeting = db.session.get(Meeting, seated["meeting"])
        for m in seated["members"][:4]:
            meetings.sign(meeting, db.session.get(Member, m), True)
        decision = meetings.record_vote(db.session.get(AgendaItem, item), {"method": "show_hands",
                                                                            "votes_for": votes_for})
        meetings.adjourn(meeting)
        meetings.draft_minutes(meeting)
        meetings.approve_minutes(meeting)
        with pytest.raises(Refused, match="共同审定"):
            meetings.approve_minutes(meeting)
        db.session.commit()
    with app.app_context(), in_tenant(app, dw, dw.staff):
        meetings.approve_minutes(db.session.get(Meeting, seated["meeting"]))
        db.session.commit()
    return mid, decision.id


def test_decisions_and_approved_minutes_cannot_be_changed(app, database, dw, seated):
    from plugins.discussion.models import Decision, Meeting
    mid, did = _hold_meeting(app, dw, seated)
    with app.app_context(), in_tenant(app, dw):
        meeting = db.session.get(Meeting, seated["meeting"])
        assert meeting.state == "minutes_approved" and len(meeting.hash) == 64
        assert "通过" in meeting.minutes_text and "清单审议" in meeting.minutes_text
        decision = db.session.get(Decision, did)
        assert decision.hash and decision.prev_hash is None
        decision.text = "改写的决定"
        with pytest.raises(Exception, match="insert-only"):
            db.session.flush()
        db.session.rollback()
    with app.app_context(), in_tenant(app, dw):
        db.session.get(Meeting, seated["meeting"]).minutes_text = "改写的纪要"
        with pytest.raises(Exception, match="locked"):
            db.session.flush()
        db.session.rollback()
    if database["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):  # the database itself refuses, whatever the code does
        with app.app_context(), in_tenant(app, dw):
            with pytest.raises(Exception, match="insert-only"):
                db.session.execute(text("UPDATE discussion__decision SET text = 'x'"))
            db.session.rollback()
        with app.app_context(), in_tenant(app, dw):
            with pytest.raises(Exception, match="locked"):
                db.session.execute(text("DELETE FROM discussion__meeting"))
            db.session.rollback()


def test_implement_publish_and_an_objection_on_the_last_day(app, dw, seated):
    from plugins.discussion.models import Decision, Matter, Objection, Publicity
    from plugins.discussion.services import publicity
    mid, did = _hold_meeting(app, dw, seated)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        project = publicity.start_project(db.session.get(Decision, did), {"title": "南门车棚建设"})
        with pytest.raises(Refused, match="100%"):
            publicity.complete(project)
        publicity.set_progress(project, {"progress": 100})
        publicity.complete(project)
        notice = publicity.open_result(db.session.get(Matter, mid))
        assert (notice.ends_on - notice.starts_on).days == 6  # seven natural days
        notice.ends_on = publicity.cycles.today()  # make today the last day
        pid = notice.id
    c = client_for(app, dw.other_resident)
    url = f"/t/{dw.street.slug}/discussion/publicity/{pid}"
    assert "异议截止" in c.get(url).text
    assert post(c, f"{url}/object", {"text": "车棚位置挡住消防通道"}).status_code == 303
    with app.app_context(), in_tenant(app, dw):
        notice = db.session.get(Publicity, pid)
        closes = publicity.window_closes(notice)
        assert (closes.hour, closes.minute, closes.second, str(closes.tzinfo)) == (23, 59, 59, "Asia/Shanghai")
        notice.ends_on = notice.ends_on - timedelta(days=1)  # the last day has passed
        db.session.commit()
    resp = post(c, f"{url}/object", {"text": "再提一条"})
    assert resp.status_code == 422 and "异议期已于" in resp.text
    with app.app_context(), in_tenant(app, dw):
        assert publicity.close_due() == 0  # the open objection blocks closing
        oid = db.session.scalar(select(Objection.id))
    s = client_for(app, dw.staff)
    assert post(s, f"/t/{dw.street.slug}/discussion/objections/{oid}/answer",
                {"answer": "已核实，不影响消防通道", "state": "dismissed"}).status_code == 303
    assert "不影响消防通道" in c.get(url).text
    with app.app_context(), in_tenant(app, dw):
        assert publicity.close_due() == 1
    m = _get(app, dw, Matter, mid)
    assert m.state == "closed" and m.outcome_sent_at is not None


def test_an_upheld_objection_reopens_the_project(app, dw, seated):
    from plugins.discussion.models import Decision, Matter, Project
    from plugins.discussion.services import publicity
    mid, did = _hold_meeting(app, dw, seated)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        project = publicity.start_project(db.session.get(Decision, did), {"title": "车棚"})
        publicity.set_progress(project, {"progress": 100})
        publicity.complete(project)
        notice = publicity.open_result(db.session.get(Matter, mid))
        objection = publicity.object_(notice, {"text": "车棚漏雨"})
        publicity.answer(objection, {"state": "upheld", "answer": "属实，返工"})
        assert db.session.get(Matter, mid).state == "implementing"
        assert db.session.get(Project, project.id).status == "implementing"


def test_cycle_phases_guards_and_roll_over_across_quarters(app, dw, seated):
    from plugins.discussion.models import Cycle, Item, Matter, Rollover
    from plugins.discussion.services import cycles, matters
    from .conftest import make_item
    mid = _matter(app, dw)
    item = make_item(app, dw, quantity=2)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        matters.screen(db.session.get(Matter, mid), {"result": "admit"})
        cycle = db.session.get(Cycle, dw.cycle_id)
        cycles.advance(cycle)  # collecting → claiming
        cycles.advance(cycle)  # a meeting is scheduled: claiming → review_meeting
        with pytest.raises(Refused, match="审定纪要"):
            cycles.advance(cycle)
        with pytest.raises(Refused, match="公示阶段"):
            cycles.archive(cycle)
        cycle.phase = "publicizing"
        log = cycles.archive(cycle)
        nxt = db.session.get(Cycle, log.to_cycle_id)
        assert (nxt.year, nxt.quarter) == ((cycle.year + 1, 1) if cycle.quarter == 4 else (cycle.year, cycle.quarter + 1))
        m = db.session.get(Matter, mid)
        assert (m.cycle_id, m.rollover_n, m.state) == (nxt.id, 1, "admitted")
        carried = db.session.scalar(select(Item).where(Item.carried_from_id == item))
        assert carried.cycle_id == nxt.id and db.session.get(Item, item).state == "carried_over"
        assert log.matter_ids == [mid] and log.item_ids == [item]
        nxt.phase = "publicizing"
        cycles.archive(nxt)
        assert db.session.get(Matter, mid).rollover_n == 2
        assert db.session.scalar(select(Rollover.id).order_by(Rollover.id.desc()))
        db.session.commit()
    c = client_for(app, dw.chair)
    assert "长期未决" in c.get(f"/t/{dw.street.slug}/discussion/matters/{mid}").text
    assert post(c, f"/t/{dw.street.slug}/discussion/matters/{mid}/close_long",
                {"reason": "涉及规划调整，街道层面无法解决，已向区级反映"}).status_code == 303
    assert _get(app, dw, Matter, mid).state == "long_undecided"


def test_an_office_hours_escalation_becomes_a_submitted_matter_once(app, dw):
    """The subscriber as the dispatcher calls it (office hours is not installed here to register the type)."""
    from dataclasses import dataclass

    from core.api import Event
    from plugins.discussion.models import Matter

    @dataclass
    class IssueEscalated(Event):
        name = "office_hours.issue_escalated"
        issue_id: int = 0
        case_no: str = ""
        title: str = ""
        org_unit_id: int = 0

    from core.api import current
    from plugins.discussion import plugin
    for event_id in (41, 42):  # delivered twice (at least once): one matter
        with app.app_context(), in_tenant(app, dw):
            plugin.on_event(IssueEscalated(id=event_id, issue_id=7, title="小区停车难", case_no="",
                                           org_unit_id=dw.community.id), current())
    with app.app_context(), in_tenant(app, dw):
        rows = db.session.scalars(select(Matter).where(Matter.origin == "office_hours")).all()
        assert [(m.state, m.station_id, m.title) for m in rows] == [("submitted", dw.station_id, "小区停车难")]
        assert rows[0].ref_no


def test_a_project_completes_only_with_evidence_on_every_milestone(app, dw, seated):
    from plugins.discussion.models import Decision, Milestone
    from plugins.discussion.services import publicity
    mid, did = _hold_meeting(app, dw, seated)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        project = publicity.start_project(db.session.get(Decision, did), {"title": "车棚",
                                                                          "milestones": ["选址公示", "竣工验收"]})
        publicity.set_progress(project, {"progress": 100})
        with pytest.raises(Refused, match="佐证材料"):
            publicity.complete(project)
        for m in db.session.scalars(select(Milestone).where(Milestone.project_id == project.id)):
            m.evidence = ["照片"]
        publicity.complete(project)
        assert project.status == "completed"


def test_a_milestone_stays_hidden_from_the_public_until_its_publication_date(app, dw, seated):
    from plugins.discussion.models import Decision, Milestone
    from plugins.discussion.services import cycles, publicity
    mid, did = _hold_meeting(app, dw, seated)
    with app.app_context(), in_tenant(app, dw, dw.staff):
        project = publicity.start_project(db.session.get(Decision, did), {"title": "车棚",
                                                                          "milestones": ["选址公示", "招标采购"]})
        later = db.session.scalar(select(Milestone).where(Milestone.title == "招标采购"))
        later.publication_date = cycles.today() + timedelta(days=10)
        pid = project.id
    url = f"/t/{dw.street.slug}/discussion/projects/{pid}"
    public = client_for(app, dw.resident).get(url).text
    assert "选址公示" in public and "招标采购" not in public
    staff = client_for(app, dw.staff).get(url).text
    assert "招标采购" in staff and "未公开" in staff


def test_a_grids_resident_raises_and_supports_at_the_community_station_and_not_at_a_neighbours(
        app, dw, create_unit, create_user):
    """The resident's grant sits on their grid; the community's station above serves them, the station of
    the next community does not."""
    from plugins.discussion.models import Matter
    from plugins.discussion.services import cycles
    grid = create_unit(dw.street, dw.community.id, "grid", "第1网格")
    other = create_unit(dw.street, dw.street.root_id, "community", "光明社区")
    other_grid = create_unit(dw.street, other.id, "grid", "第1网格")
    with app.app_context(), in_tenant(app, dw):
        from core.api import org_unit
        other_station = cycles.ensure_station(org_unit(other.id), "community").id
    mine = client_for(app, create_user(dw.street, "resident", unit_id=grid.id))
    base = f"/t/{dw.street.slug}/discussion"
    resp = post(mine, f"{base}/stations/{dw.station_id}/matters", {"title": "小区路灯不亮", "body": "东门"})
    assert resp.status_code == 303, resp.text[:300]
    mid = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert "小区路灯不亮" in mine.get(f"{base}/matters").text

    neighbour = client_for(app, create_user(dw.street, "resident", unit_id=other_grid.id))
    assert "小区路灯不亮" not in neighbour.get(f"{base}/matters").text
    refused = post(neighbour, f"{base}/matters/{mid}/support", {}, headers={"HX-Request": "true", "HX-Target": "support"})
    assert refused.status_code == 422 and "没有在该议事站办理此事的权限" in refused.text
    assert post(mine, f"{base}/stations/{other_station}/matters", {"title": "越界", "body": "x"}).status_code == 422
    with app.app_context(), in_tenant(app, dw):
        assert db.session.scalar(select(func.count()).select_from(Matter).where(Matter.title == "越界")) == 0
