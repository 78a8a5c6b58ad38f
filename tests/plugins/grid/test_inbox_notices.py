"""Work reaches people at once: each step of an event puts an item in the inbox of whoever acts next,
as the step is taken through the page (no job runs), never in the actor's and never in a sibling
grid's; the phone header shows 消息 with the unread count."""
from __future__ import annotations

import pytest

from core.testing.html import select_one

from .conftest import act, client_for, report
from .test_summons import community_event, summon


def inbox(app, gw, account) -> str:
    resp = client_for(app, account).get(f"/t/{gw.street.slug}/inbox")
    assert resp.status_code == 200
    return resp.text


def ref_of(app, gw, e) -> str:
    from core.db import db
    from core.tenancy import tenant_scope
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.get(GridEvent, e).ref_no


@pytest.fixture
def sibling(gw, create_user):
    """A grid leader of the neighbouring grid: may accept, check and handle there, not here."""
    return create_user(gw.street, "grid_leader", unit_id=gw.other_grid.id)


def test_each_step_reaches_whoever_acts_next_and_no_one_else(app, gw, sibling):
    e = report(app, gw)
    item = f"{ref_of(app, gw, e)} 3栋楼道堆放杂物"
    assert f"新事件待受理：{item}" in inbox(app, gw, gw.leader)
    assert "新事件待受理" not in inbox(app, gw, sibling)
    assert "新事件待受理" not in inbox(app, gw, gw.clerk)  # who reported it is not told of it

    assert act(app, gw, gw.clerk, e, "accept").status_code == 200
    assert f"事件待核实：{item}" in inbox(app, gw, gw.worker)
    assert "事件待核实" not in inbox(app, gw, sibling)

    assert act(app, gw, gw.worker, e, "verify").status_code == 200
    assert f"事件待派遣：{item}" in inbox(app, gw, gw.clerk)
    assert "事件待派遣" not in inbox(app, gw, gw.worker) and "事件待派遣" not in inbox(app, gw, sibling)

    assert act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id).status_code == 200
    assert f"事件已派遣，请签收：{item}" in inbox(app, gw, gw.worker)
    assert "请签收" not in inbox(app, gw, sibling) and "请签收" not in inbox(app, gw, gw.clerk)

    assert act(app, gw, gw.worker, e, "return", reason_code="WRONG_LOCATION", reason="地址不在本网格").status_code == 200
    page = inbox(app, gw, gw.clerk)
    assert f"事件被退回，请改派：{item}" in page and "地址不在本网格" in page
    assert "请改派" not in inbox(app, gw, sibling)

    assert act(app, gw, gw.clerk, e, "redispatch", handler_unit_id=gw.grid.id).status_code == 200
    assert inbox(app, gw, gw.worker).count("事件已派遣，请签收") == 2
    assert act(app, gw, gw.worker, e, "sign").status_code == 200
    assert act(app, gw, gw.worker, e, "submit_result", result="已清理", closure_type="RESOLVED").status_code == 200
    assert f"事件待核查：{item}" in inbox(app, gw, gw.checker)
    assert "事件待核查" not in inbox(app, gw, sibling) and "事件待核查" not in inbox(app, gw, gw.worker)

    assert act(app, gw, gw.checker, e, "check_fail", reason="楼道仍有纸箱").status_code == 200
    assert f"核查不通过，请返工：{item}" in inbox(app, gw, gw.worker)  # the person who did the work
    assert "请返工" not in inbox(app, gw, sibling) and "请返工" not in inbox(app, gw, gw.checker)


def test_dispatch_to_the_neighbouring_grid_reaches_its_staff_only(app, gw, sibling):
    e = report(app, gw)
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": gw.other_grid.id})):
        assert act(app, gw, gw.clerk, e, name, **data).status_code == 200
    assert "事件已派遣，请签收" in inbox(app, gw, sibling)
    assert "事件已派遣，请签收" not in inbox(app, gw, gw.worker)


def test_a_summoned_grid_is_told_to_report_in_time(app, gw, create_user):
    e = community_event(app, gw)
    neighbour = create_user(gw.street, "grid_worker", unit_id=gw.other_grid.id)
    before = inbox(app, gw, gw.worker).count("吹哨报到")
    assert summon(app, gw, e, unit_ids=str(gw.other_grid.id), departments="派出所").status_code == 200
    page = inbox(app, gw, neighbour)
    assert f"吹哨报到：{ref_of(app, gw, e)} 小区污水外溢" in page and "前报到" in page
    assert inbox(app, gw, gw.worker).count("吹哨报到") == before
    assert "吹哨报到" not in inbox(app, gw, gw.leader)  # who summoned


def test_the_phone_header_shows_messages_with_the_unread_count(app, gw):
    report(app, gw)
    page = client_for(app, gw.leader).get(f"/t/{gw.street.slug}/").text
    link = select_one(page, "#topbar a.inbox-link")
    assert link is not None and "消息" in link.get_text()
    assert link.select_one(".badge").get_text(strip=True) == "1"
    assert link.get("style") is None
    css = client_for(app, gw.leader).get("/static/css/app.css").text
    assert ".top-actions .inbox-link { display: none; }" not in css  # shown on phones too
    assert '.nav a[data-endpoint="home.inbox"] { display: none; }' in css  # where the nav repeats it
