"""A caller who reports what an open event already covers follows it instead of filing again (grid.md §9)."""
from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select

from core.tenancy import tenant_scope
from core.testing.factories import htmx, post

from .conftest import act, client_for, report


def subscribers_of(app, gw, event_id):
    from plugins.grid.models import GridEvent, Subscriber
    with app.app_context(), tenant_scope(gw.street.id, commit=False) as session:
        rows = [(s.name, s.phone) for s in session.scalars(select(Subscriber).where(Subscriber.event_id == event_id))]
        return rows, session.get(GridEvent, event_id).demand_n


def test_the_duplicate_panel_offers_to_follow_and_following_counts_a_demand(app, gw):
    e = report(app, gw)
    clerk = client_for(app, gw.clerk)
    panel = clerk.get(f"/t/{gw.street.slug}/grid/duplicates?category_id={gw.categories['SA-GARBAGE']}"
                      f"&grid_id={gw.grid.id}", headers=htmx()).text
    assert f"/grid/{e}/subscribe" in panel and "登记关注" in panel

    url = f"/t/{gw.street.slug}/grid/{e}/subscribe"
    refused = post(clerk, url, {"reporter_name": "李阿姨", "reporter_phone": ""}, headers=htmx())
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请填写反映人电话" in refused.text
    assert subscribers_of(app, gw, e) == ([], 1)

    done = post(clerk, url, {"reporter_name": "李阿姨", "reporter_phone": "13900001111"}, headers=htmx())
    assert done.status_code == HTTPStatus.OK and "无需再上报" in done.text
    assert subscribers_of(app, gw, e) == ([("李阿姨", "13900001111")], 2)
    again = post(clerk, url, {"reporter_phone": "13900001111"}, headers=htmx())
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "已在关注" in again.text
    page = clerk.get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "139****1111" in page and "13900001111" not in page and "关注人" in page
    assert "来电人登记关注" in page and "<strong>SUB</strong>" not in page  # the timeline says it in words


def test_a_closed_event_cannot_be_followed(app, gw):
    e = report(app, gw)
    act(app, gw, gw.clerk, e, "reject", reason_code="NOT_TRUE", reason="核实不属实")
    resp = post(client_for(app, gw.clerk), f"/t/{gw.street.slug}/grid/{e}/subscribe",
                {"reporter_phone": "13900002222"}, headers=htmx())
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "已办结" in resp.text
    assert subscribers_of(app, gw, e) == ([], 1)


def test_a_persons_export_and_erasure_cover_what_they_reported_and_follow(app, gw):
    from core.org.models import Person
    from core.org.services import erase_person, export_person
    from plugins.grid.models import GridEvent
    mine = report(app, gw, reporter_phone="13900003333", reporter_name="王大爷")
    followed = report(app, gw, title="路灯不亮")
    post(client_for(app, gw.clerk), f"/t/{gw.street.slug}/grid/{followed}/subscribe",
         {"reporter_phone": "13900003333"}, headers=htmx())
    with app.app_context(), tenant_scope(gw.street.id, user_id=gw.admin.id) as session:
        person = Person(org_unit_id=gw.grid.id, name="王大爷", phone="13900003333", initials="wdy")
        session.add(person)
        session.flush()
        exported = export_person(person)["plugins"]["grid"]
        assert [r["ref_no"] for r in exported["reported_events"]] == [session.get(GridEvent, mine).ref_no]
        assert [r["ref_no"] for r in exported["followed_events"]] == [session.get(GridEvent, followed).ref_no]
        erase_person(person)
    with app.app_context(), tenant_scope(gw.street.id, commit=False) as session:
        event = session.get(GridEvent, mine)
        assert (event.reporter_name, event.reporter_phone, event.title) == (None, None, "3栋楼道堆放杂物")
    assert subscribers_of(app, gw, followed) == ([], 2)  # the demand still counts; who it was does not
