"""Each stage has its own deadline, shown and coloured from that stage's start (docs/grid.md §3 T9/T10,
§4 rules 6 and 7); the case deadline (结案时限) stays beside it."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from core import clock
from core.db import db
from core.tenancy import tenant_scope
from core.tenancy.context import current

from .conftest import act, client_for, report


def at(local: datetime) -> None:
    clock.reset()
    clock.travel((local.replace(tzinfo=clock.SHANGHAI) - datetime.now(timezone.utc)).total_seconds())


def shanghai(value) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M")


def card(app, gw, account, e) -> tuple[str, str, str]:
    """What the event page shows: the current deadline, its colour, and the case deadline."""
    page = client_for(app, account).get(f"/t/{gw.street.slug}/grid/{e}").text
    chip = re.search(r'<span class="chip sla-(\w+)" data-testid="stage-deadline">([^<]+)</span>', page)
    case = re.search(r"<dt>结案时限</dt><dd>([^<]+)", page)
    return chip.group(2), chip.group(1), case.group(1).strip() if case else ""


def warnings(app, gw, title) -> int:
    from core.ui.models import Notification
    from plugins.grid.jobs import sla_warnings
    with app.app_context(), tenant_scope(gw.street.id):
        sla_warnings(current())
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.title == title))


def test_after_signing_the_handler_sees_the_handling_deadline_not_the_case_deadline(app, gw):
    try:
        at(datetime(2026, 12, 7, 9, 0))  # Monday; 垃圾堆放: 1 working day to handle, 1 to check
        e = report(app, gw, source="GRID_PATROL", reporter_phone="")
        act(app, gw, gw.clerk, e, "register")
        act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
        assert card(app, gw, gw.worker, e)[0] == "2026-12-07 11:00"  # 签收: 2 working hours
        at(datetime(2026, 12, 7, 10, 0))
        act(app, gw, gw.worker, e, "sign")
        shown, colour, case = card(app, gw, gw.worker, e)
        assert shown == "2026-12-08 09:00", "the handling clock runs from dispatch"
        assert case == "2026-12-09 09:00"
        page = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}").text
        assert "处置时限" in page and "1 个工作日，自 2026年12月7日 周一 09:00 起" in page
        at(datetime(2026, 12, 8, 9, 30))  # handling overran: red, although the case is not yet due
        assert card(app, gw, gw.worker, e)[1] == "red"
    finally:
        clock.reset()


def test_a_critical_event_is_red_at_its_handling_deadline(app, gw):
    try:
        at(datetime(2026, 12, 12, 22, 0))  # a Saturday night: CRITICAL runs on natural time
        e = report(app, gw, "SE-FIRE", title="配电箱冒烟", urgency="CRITICAL", source="GRID_PATROL", reporter_phone="")
        act(app, gw, gw.clerk, e, "register")
        act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
        act(app, gw, gw.worker, e, "sign")
        shown, colour, case = card(app, gw, gw.worker, e)
        assert (shown[-5:], colour, case[-5:]) == ("00:00", "green", "01:00")  # handle 2 h, then check 1 h
        at(datetime(2026, 12, 12, 23, 50))  # 92% of the handling limit: orange, and the leader is told
        assert card(app, gw, gw.worker, e)[1] == "orange"
        assert warnings(app, gw, "事件即将超时：配电箱冒烟") > 0
        at(datetime(2026, 12, 13, 0, 1))
        assert card(app, gw, gw.worker, e)[1] == "red", "red at the handling deadline, not an hour later"
        assert warnings(app, gw, "事件已超时：配电箱冒烟") > 0
    finally:
        clock.reset()


def test_the_colour_runs_from_the_stage_start_so_a_late_dispatch_warns_nobody(app, gw):
    from plugins.grid.models import GridEvent
    from plugins.grid.services import sla_colour
    try:
        at(datetime(2026, 12, 1, 9, 0))  # reported Tuesday, dispatched only on Friday
        e = report(app, gw, title="井盖松动", source="GRID_PATROL", reporter_phone="")
        act(app, gw, gw.clerk, e, "register")
        at(datetime(2026, 12, 4, 9, 0))
        act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
        assert card(app, gw, gw.worker, e)[:2] == ("2026-12-04 11:00", "green")
        assert warnings(app, gw, "事件即将超时：井盖松动") == 0, "nobody is warned minutes after dispatch"
        queue = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/").text
        row = next(r for r in queue.split("<tr")[1:] if "井盖松动" in r)
        assert "sla-green" in row
        at(datetime(2026, 12, 4, 10, 32))  # past 75% of the 2 signing hours
        assert card(app, gw, gw.worker, e)[1] == "yellow"
        at(datetime(2026, 12, 4, 10, 50))  # 92%: now the signing deadline nears
        with app.app_context(), tenant_scope(gw.street.id, commit=False):
            assert sla_colour(db.session.get(GridEvent, e)) == "orange"
        assert warnings(app, gw, "事件即将超时：井盖松动") > 0
    finally:
        clock.reset()


def test_an_extension_moves_the_handling_and_the_case_deadline_alike(app, gw):
    try:
        at(datetime(2026, 12, 7, 9, 0))
        e = report(app, gw, source="GRID_PATROL", reporter_phone="")
        act(app, gw, gw.clerk, e, "register")
        act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.grid.id)
        act(app, gw, gw.worker, e, "sign")
        act(app, gw, gw.leader, e, "extend", days=2, reason="需协调物业")
        shown, _colour, case = card(app, gw, gw.worker, e)
        assert (shown, case) == ("2026-12-10 09:00", "2026-12-11 09:00")
    finally:
        clock.reset()
