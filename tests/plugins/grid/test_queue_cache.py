"""The event queue is rendered once per state of the street's data (core.ui.fragments): whatever
writes, the next list shows it; nothing of another street, scope or language is ever served from
it; and a deadline colour turns on time without any write."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.engine import Engine

from core import clock
from core.db import db
from core.tenancy import tenant_scope
from core.tenancy.scopes import system_scope
from core.testing.html import select as css, select_one

from .conftest import client_for, report


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.reset()


def add_event(app, gw, title, grid=None, started_minutes_ago=10, due_in_minutes=24 * 60):
    from plugins.grid.models import GridEvent
    now = datetime.now(timezone.utc) + timedelta(seconds=clock._offset_seconds)
    row = {"tenant_id": gw.street.id, "ref_no": f"C{gw.street.id}-{title}", "title": title, "description": "",
           "category_id": gw.categories["SA-GARBAGE"], "urgency": "NORMAL", "level": 0, "max_level": 0,
           "source": "GRID_PATROL", "anonymity": "named", "grid_id": (grid or gw.grid).id, "address": "",
           "state": "IN_PROGRESS", "rework_n": 0, "return_n": 0, "reopen_n": 0, "extension_n": 0, "check_n": 0,
           "demand_n": 1, "stage": "handle", "stage_deadline": now + timedelta(minutes=due_in_minutes),
           "stage_started_at": now - timedelta(minutes=started_minutes_ago), "deadline_explain": {},
           "calendar_complete": True, "suspended_at_deadline": False, "version": 1, "created_at": now}
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.execute(insert(GridEvent).execution_options(tenant_checked_insert=True), [row])


def titles(resp) -> list[str]:
    assert resp.status_code == 200, resp.text[:500]
    return [a.get_text() for a in css(resp.text, "#event-rows td a")]


def statements(client, url) -> tuple[int, object]:
    seen = []

    def listener(conn, cursor, statement, params, context, executemany):
        if not statement.startswith("SELECT set_config("):
            seen.append(statement)
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        resp = client.get(url)
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    return len(seen), resp


def test_a_second_look_at_an_unchanged_queue_is_served_without_querying_the_events(app, gw):
    add_event(app, gw, "楼道堆物")
    client = client_for(app, gw.clerk)
    url = f"/t/{gw.street.slug}/grid/?group=all"
    first, resp = statements(client, url)
    again, resp_again = statements(client, url)
    assert titles(resp) == titles(resp_again) == ["楼道堆物"]
    assert again < first and again <= 4  # the session, the tenant, the grants: the rows come from the cache


def test_whatever_writes_the_next_list_shows_it(app, gw):
    client = client_for(app, gw.clerk)
    url = f"/t/{gw.street.slug}/grid/?group=all"
    assert titles(client.get(url)) == []
    report(app, gw)  # through the page
    assert titles(client.get(url)) == ["3栋楼道堆放杂物"]
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id):  # a job's ORM write
        db.session.execute(update(GridEvent).values(title="改过的标题"))
    assert titles(client.get(url)) == ["改过的标题"]
    with app.app_context(), tenant_scope(gw.street.id):  # raw SQL
        db.session.execute(text("UPDATE grid__event SET title = '原样SQL改的' WHERE tenant_id = :t"), {"t": gw.street.id})
    assert titles(client.get(url)) == ["原样SQL改的"]
    from plugins.grid.models import Category
    with app.app_context(), system_scope("test: rename a category") as session:  # maintenance, outside any tenant
        session.execute(update(Category).where(Category.tenant_id == gw.street.id).values(name="新类别名"))
    assert "新类别名" in client.get(url).text


def test_a_write_in_another_street_leaves_this_streets_stamp_alone(app, gw, create_tenant, enable_plugin):
    other = create_tenant(name="西街街道")
    enable_plugin(other, "grid")
    from core.ui.models import DataStamp

    def stamp(tenant):
        with app.app_context(), system_scope("test: read stamps", read_only=True) as session:
            return session.scalar(select(DataStamp.stamp).where(DataStamp.tenant_id == tenant.id))
    before = stamp(gw.street)
    with app.app_context(), tenant_scope(other.id):
        db.session.execute(text("UPDATE org_unit SET name = name WHERE tenant_id = :t"), {"t": other.id})
    assert stamp(gw.street) == before
    other_before = stamp(other)
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.execute(text("UPDATE org_unit SET name = name WHERE tenant_id = :t"), {"t": gw.street.id})
    assert stamp(gw.street) != before and stamp(other) == other_before
    # a scheduled job that ran without changing anything a page shows leaves the stamp alone
    after_write = stamp(gw.street)
    from core.events.models import JobRun
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.add(JobRun(job="test.nothing-to-do"))
    assert stamp(gw.street) == after_write


def test_a_grid_worker_never_gets_the_street_staffs_cached_rows(app, gw):
    add_event(app, gw, "第一网格的事", grid=gw.grid)
    add_event(app, gw, "第二网格的事", grid=gw.other_grid)
    url = f"/t/{gw.street.slug}/grid/?group=all"
    assert sorted(titles(client_for(app, gw.clerk).get(url))) == ["第一网格的事", "第二网格的事"]
    assert titles(client_for(app, gw.worker).get(url)) == ["第一网格的事"]
    # and the rows fragment htmx asks for is kept apart from the page
    resp = client_for(app, gw.worker).get(url, headers={"HX-Request": "true", "HX-Target": "event-rows"})
    assert resp.text.lstrip().startswith("<tbody") and "第二网格的事" not in resp.text


def test_the_deadline_colour_turns_on_time_without_any_write(app, gw):
    # 70 of 100 minutes used: green; six minutes later 76%: yellow, though nothing was written
    add_event(app, gw, "限时处置", started_minutes_ago=70, due_in_minutes=30)
    client = client_for(app, gw.clerk)
    url = f"/t/{gw.street.slug}/grid/?group=all"
    def colour():
        return select_one(client.get(url).text, "#event-rows tr")["class"]
    assert colour() == ["sla-green"]
    assert colour() == ["sla-green"]  # the second look comes from the cache
    clock.travel(6 * 60)
    assert colour() == ["sla-yellow"]


def test_each_language_gets_its_own_rows(app, gw):
    add_event(app, gw, "双语")
    client = client_for(app, gw.clerk)
    url = f"/t/{gw.street.slug}/grid/?group=all"
    assert "处置中" in select_one(client.get(url).text, "#event-rows").get_text()
    from core.testing.factories import post
    post(client, "/lang", {"lang": "en", "next": url})
    rows = select_one(client.get(url).text, "#event-rows").get_text()
    assert "Being handled" in rows and "处置中" not in rows
