"""What-if replay (假设推演): six months of real dispatches replayed under a proposed limit table."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from http import HTTPStatus

from sqlalchemy import func, select

from core import clock
from core.db import db
from core.tenancy import tenant_scope

from .conftest import client_for


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())


def make_event(gw, code, dispatched, closed=None, grid=None, state="CLOSED", extensions=()):
    """An event as the services would have left it: dispatched at ``dispatched``, closed at ``closed``."""
    from plugins.grid.models import GridEvent, Transition
    ev = GridEvent(ref_no=f"E-{secrets.token_hex(4)}", title="手工事件", category_id=gw.categories[code],
                   grid_id=(grid or gw.grid).id, state=state, created_at=dispatched - timedelta(hours=2),
                   case_deadline=dispatched + timedelta(days=3), closed_at=closed,
                   case_on_time=None if closed is None else True)
    db.session.add(ev)
    db.session.flush()
    db.session.add(Transition(event_id=ev.id, code="T9", action="dispatch", from_state="REGISTERED",
                              to_state="DISPATCHED", at=dispatched))
    for n, days in enumerate(extensions, 1):
        db.session.add(Transition(event_id=ev.id, code="T15", action="extend", from_state="IN_PROGRESS",
                                  to_state="IN_PROGRESS", at=dispatched + timedelta(hours=n), payload={"days": days}))
    db.session.flush()
    return ev.id


def test_deadlines_are_recomputed_on_the_work_calendar(app, gw):
    from core.calendar import WorkCalendar
    from plugins.grid.whatif import case_deadline
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        cal = WorkCalendar((gw.street.id,))
        # Friday 16:00 + 1 working day handling + 1 working day check: over the weekend to Tuesday
        assert case_deadline(cal, "NORMAL", bj(2026, 6, 5, 16), (1, "working_day")) == bj(2026, 6, 9, 16)
        # urgent events run on natural time whatever the category says: 24 h handling + 2 h check
        assert case_deadline(cal, "URGENT", bj(2026, 6, 5, 16), (10, "working_day")) == bj(2026, 6, 6, 18)
        assert case_deadline(cal, "NORMAL", bj(2026, 6, 1, 10), (1, "working_day"), [2]) == bj(2026, 6, 5, 10)


def test_a_replay_shows_who_turns_late_and_who_turns_on_time(app, gw):
    from core.calendar import WorkCalendar
    from plugins.grid.models import Category, Transition
    from plugins.grid.whatif import replay
    now = bj(2026, 6, 30, 12)
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        monday = bj(2026, 6, 1, 10)
        # 1 W-day now (due Wed 10:00), 3 proposed (due Fri 10:00): closed Thu, late now and on time then
        make_event(gw, "SA-GARBAGE", monday, bj(2026, 6, 4, 12))
        # 5 W-days now (due Tue 9 June), 1 proposed (due Wed 3 June): closed Fri 5 June, on time now and late then
        make_event(gw, "UP-ROAD", monday, bj(2026, 6, 5, 9), grid=gw.other_grid)
        make_event(gw, "OT-OTHER", monday, bj(2026, 6, 2, 9))  # limit unchanged, on time both ways
        # two approved extension days carry over: on time both ways, though late without them
        make_event(gw, "SA-GARBAGE", monday, bj(2026, 6, 5, 9), extensions=[2])
        make_event(gw, "UP-ROAD", bj(2026, 6, 22, 10), state="IN_PROGRESS")  # still open, past both deadlines
        make_event(gw, "SA-GARBAGE", bj(2025, 12, 1, 10), bj(2025, 12, 20, 10))  # older than six months
        make_event(gw, "SA-GARBAGE", monday, bj(2026, 6, 20, 10), state="CANCELLED")  # not a case
        before = db.session.scalar(select(func.count()).select_from(Transition))
        result = replay({gw.categories["SA-GARBAGE"]: (3, "working_day"), gw.categories["UP-ROAD"]: (1, "working_day")},
                        WorkCalendar((gw.street.id,)), now)
        assert db.session.scalar(select(func.count()).select_from(Transition)) == before
        assert db.session.get(Category, gw.categories["SA-GARBAGE"]).limit_value == 1  # nothing adopted
    assert result.events == 5
    assert (result.on_time_now, result.due_now, result.rate_now) == (3, 5, "60.0%")
    assert (result.on_time_proposed, result.due_proposed, result.rate_proposed) == (3, 5, "60.0%")
    assert (result.changed, result.became_late, result.became_on_time) == (2, 1, 1)
    assert [(r.name, r.late_now, r.late_proposed) for r in result.grids] == [("幸福第一网格", 2, 1), ("幸福第二网格", 0, 1)]


def test_the_categories_page_replays_and_saves_nothing(app, gw):
    from plugins.grid.models import Category, GridEvent
    now = clock.utcnow()
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(Category, gw.categories["UP-BUILD"]).limit_value = 30  # 30 W-days: always on time below
        make_event(gw, "UP-BUILD", now - timedelta(days=60), now - timedelta(days=40))
    admin = client_for(app, gw.admin)
    url = f"/t/{gw.street.slug}/grid/categories"
    page = admin.get(url)
    assert page.status_code == HTTPStatus.OK and "假设推演" in page.text and 'hx-indicator="#whatif-busy"' in page.text
    cat = gw.categories["UP-BUILD"]
    resp = admin.get(f"{url}/whatif?run=1&limit_value_{cat}=1&limit_unit_{cat}=hour",
                     headers={"HX-Request": "true", "HX-Target": "whatif-result"})
    assert resp.status_code == HTTPStatus.OK and "<h1>" not in resp.text
    assert "现行 100.0%" in resp.text and "拟用 0.0%" in resp.text and "变为超期 1 件" in resp.text
    assert "幸福第一网格" in resp.text
    bad = admin.get(f"{url}/whatif?run=1&limit_value_{cat}=0&limit_unit_{cat}=hour",
                    headers={"HX-Request": "true", "HX-Target": "whatif-result"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "时限应在 1 到 365 之间" in bad.text
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.get(Category, cat).limit_value == 30 and db.session.get(Category, cat).limit_unit == "working_day"
        assert db.session.scalar(select(func.count()).select_from(GridEvent)) == 1
    assert client_for(app, gw.worker).get(f"{url}/whatif?run=1").status_code == HTTPStatus.FORBIDDEN
