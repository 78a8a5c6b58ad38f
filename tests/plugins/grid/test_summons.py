"""Summons (吹哨报到, rule E9): who may summon, the sign clock on the working-day calendar, signing
and answering from the event page, the red reminder, and no closing while a mandatory summons is
unanswered."""
from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import select

from core import clock
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import act, client_for, report, state_of


def at(text: str) -> None:
    """Move the clock to a Beijing wall-clock time."""
    target = datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)
    clock.reset()
    clock.travel((target - clock.utcnow()).total_seconds())


@pytest.fixture(autouse=True)
def _clock_back():
    yield
    clock.reset()


def community_event(app, gw, urgency="NORMAL"):
    """污水外溢 starts at community level (L1): registered, dispatched to the grid, signed."""
    e = report(app, gw, code="SA-SEWAGE", title="小区污水外溢", urgency=urgency)
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.worker, "sign", {})):
        assert act(app, gw, account, e, name, **data).status_code == 200
    return e


def summon(app, gw, e, account=None, **data):
    _state, version = state_of(app, gw, e)
    form = {"version": version, "reason": "污水管网破损，需多部门到场", "mandatory": "1", **data}
    return post(client_for(app, account or gw.leader), f"/t/{gw.street.slug}/grid/{e}/summons", form,
                headers={"HX-Request": "true"})


def summonses(app, gw, e):
    from plugins.grid.models import Summons
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        rows = list(db.session.scalars(select(Summons).where(Summons.event_id == e).order_by(Summons.id)))
        for r in rows:
            db.session.expunge(r)
        return rows


def codes(app, gw, e):
    from plugins.grid.models import Transition
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return [t.code for t in db.session.scalars(select(Transition).where(Transition.event_id == e)
                                                   .order_by(Transition.id))]


@pytest.mark.parametrize("summoned, due", [
    ("2026-12-09 11:00", "2026-12-09 14:30"),  # an hour before lunch, an hour after it
    ("2026-12-09 17:00", "2026-12-10 10:00"),  # half an hour tonight, ninety minutes tomorrow
    ("2026-12-11 16:30", "2026-12-14 09:30"),  # Friday afternoon: the weekend does not count
])
def test_the_sign_limit_is_two_working_hours(app, gw, summoned, due):
    e = community_event(app, gw)
    at(summoned)
    resp = summon(app, gw, e, departments="派出所")
    assert resp.status_code == 200, resp.text[:500]
    [row] = summonses(app, gw, e)
    expected = datetime.fromisoformat(due).replace(tzinfo=clock.SHANGHAI)
    # the request runs a few seconds after the clock was set; the calendar counts whole minutes
    assert timedelta(0) <= clock.aware(row.sign_due) - expected <= timedelta(minutes=1)
    shown = clock.local(row.sign_due).strftime("%Y-%m-%d %H:%M")
    assert f"报到时限 {shown}" in resp.text and "个工作小时" in resp.text


def test_an_urgent_summons_must_sign_within_thirty_natural_minutes(app, gw):
    e = community_event(app, gw, urgency="URGENT")
    at("2026-12-11 22:00")  # a Friday night: urgent work does not wait for Monday
    assert summon(app, gw, e, departments="城管执法中队").status_code == 200
    [row] = summonses(app, gw, e)
    expected = datetime.fromisoformat("2026-12-11 22:30").replace(tzinfo=clock.SHANGHAI)
    assert timedelta(0) <= clock.aware(row.sign_due) - expected < timedelta(minutes=1)


def test_a_summoned_unit_sees_the_event_signs_and_answers_on_the_timeline(app, gw, create_user):
    e = community_event(app, gw)
    neighbour = create_user(gw.street, "grid_worker", unit_id=gw.other_grid.id)
    assert client_for(app, neighbour).get(f"/t/{gw.street.slug}/grid/{e}").status_code == 404
    resp = summon(app, gw, e, unit_ids=str(gw.other_grid.id), departments="派出所、市场监管所")
    assert resp.status_code == 200 and "幸福第二网格" in resp.text and "市场监管所" in resp.text
    grid_row, police, market = summonses(app, gw, e)
    page = client_for(app, neighbour).get(f"/t/{gw.street.slug}/grid/{e}")
    assert page.status_code == 200 and f'data-testid="sign-{grid_row.id}"' in page.text
    c = client_for(app, neighbour)
    signed = post(c, f"/t/{gw.street.slug}/grid/summons/{grid_row.id}/sign", {}, headers={"HX-Request": "true"})
    assert signed.status_code == 200 and "已报到" in signed.text
    again = post(c, f"/t/{gw.street.slug}/grid/summons/{grid_row.id}/sign", {}, headers={"HX-Request": "true"})
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "该单位已报到" in again.text
    answered = post(c, f"/t/{gw.street.slug}/grid/summons/{grid_row.id}/respond", {"response": "已组织疏通管道"},
                    headers={"HX-Request": "true"})
    assert answered.status_code == 200 and "反馈：已组织疏通管道" in answered.text
    # a grid worker elsewhere cannot answer for the police station; the coordinator records it
    refused = post(c, f"/t/{gw.street.slug}/grid/summons/{police.id}/respond", {"response": "代答"},
                   headers={"HX-Request": "true"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只有被吹哨的单位" in refused.text
    ok = post(client_for(app, gw.leader), f"/t/{gw.street.slug}/grid/summons/{police.id}/respond",
              {"response": "民警已到场维持秩序"}, headers={"HX-Request": "true"})
    assert ok.status_code == 200
    timeline = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "吹哨报到" in timeline and "吹哨单位报到" in timeline and "吹哨单位反馈" in timeline
    assert codes(app, gw, e)[-5:] == ["E9", "E9-SIGN", "E9-RESP", "E9-SIGN", "E9-RESP"]


def test_only_the_community_or_street_coordinating_the_event_summons(app, gw):
    grid_level = report(app, gw, code="SA-GARBAGE")  # L0: the grid handles it itself
    refused = summon(app, gw, grid_level, departments="派出所")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请先将事件上报到社区" in refused.text
    e = community_event(app, gw)
    assert summon(app, gw, e, account=gw.worker, departments="派出所").status_code == HTTPStatus.FORBIDDEN
    assert summonses(app, gw, e) == [] and summonses(app, gw, grid_level) == []


def test_a_bad_summons_form_comes_back_in_chinese_and_writes_nothing(app, gw):
    e = community_event(app, gw)
    before = codes(app, gw, e)
    resp = summon(app, gw, e, reason="")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "请至少选择一个单位或填写一个部门" in resp.text and "必填项" in resp.text
    assert summonses(app, gw, e) == [] and codes(app, gw, e) == before


def test_an_unsigned_summons_turns_red_and_the_coordinator_is_reminded_once(app, gw):
    from core.events.jobs import run_due
    from core.ui.models import Notification
    e = community_event(app, gw, urgency="URGENT")
    assert summon(app, gw, e, departments="派出所").status_code == 200
    page = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "超时未报到" not in page
    clock.travel(31 * 60)
    with app.app_context():
        run_due(tenants=[gw.street.id])
    clock.travel(15 * 60)  # the job runs again: no second reminder
    with app.app_context():
        run_due(tenants=[gw.street.id])
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        notes = [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == gw.leader.id))]
    assert notes.count("吹哨单位超时未报到：派出所") == 1
    page = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "sla-red" in page and "超时未报到 · 报到时限" in page
    assert codes(app, gw, e).count("E9-LATE") == 1
    assert "吹哨单位超时未报到：派出所" in client_for(app, gw.leader).get(f"/t/{gw.street.slug}/inbox").text


def test_the_event_cannot_close_while_a_mandatory_summons_is_unanswered(app, gw):
    e = community_event(app, gw)
    assert summon(app, gw, e, departments="派出所").status_code == 200
    assert summon(app, gw, e, departments="物业公司", mandatory="").status_code == 200
    police, _property = summonses(app, gw, e)
    refused = act(app, gw, gw.worker, e, "submit_result", result="已疏通", closure_type="RESOLVED")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "派出所 是必须到场的吹哨单位，尚未反馈，不能办结" in refused.text
    assert state_of(app, gw, e)[0] == "IN_PROGRESS"
    post(client_for(app, gw.leader), f"/t/{gw.street.slug}/grid/summons/{police.id}/respond", {"response": "已到场"},
         headers={"HX-Request": "true"})
    # the optional summons to the property company never blocks
    done = act(app, gw, gw.worker, e, "submit_result", result="已疏通", closure_type="RESOLVED")
    assert done.status_code == 200 and state_of(app, gw, e)[0] == "AWAITING_CHECK"


def test_the_coordinator_picks_units_to_summon_while_the_event_is_being_handled(app, gw):
    e = community_event(app, gw)
    assert state_of(app, gw, e)[0] == "IN_PROGRESS"
    page = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    units = page[page.index('id="summon-units"'):]
    units = units[:units.index("</select>")]
    assert f'<option value="{gw.other_grid.id}"' in units and "幸福第二网格" in units


def test_a_share_with_the_district_leaves_the_community_coordinating_its_summonses(app, gw):
    from plugins.grid.models import GridEvent
    e = community_event(app, gw)
    assert summon(app, gw, e, departments="派出所").status_code == 200
    (police,) = summonses(app, gw, e)
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        version = db.session.get(GridEvent, e).version
    shared = post(client_for(app, gw.admin), f"/t/{gw.street.slug}/grid/{e}/share",
                  {"department": "区住建局", "reason": "管网改造需区里统筹", "version": version},
                  headers={"HX-Request": "true"})
    assert shared.status_code == 200
    page = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert f'data-testid="sign-{police.id}"' in page and 'id="summon-units"' in page
    signed = post(client_for(app, gw.leader), f"/t/{gw.street.slug}/grid/summons/{police.id}/sign", {},
                  headers={"HX-Request": "true"})
    assert signed.status_code == 200 and "已报到" in signed.text
