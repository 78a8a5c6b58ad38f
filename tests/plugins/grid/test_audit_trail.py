"""Every step of a grid event is in the street's audit log, with its codes and never what someone typed."""
from __future__ import annotations

from http import HTTPStatus

from core.testing.html import select

from .conftest import act, client_for, report


def test_each_step_of_an_event_is_in_the_audit_log_and_filtered_by_module(app, gw):
    event_id = report(app, gw)
    assert act(app, gw, gw.clerk, event_id, "register").status_code == HTTPStatus.OK
    assert act(app, gw, gw.clerk, event_id, "dispatch", handler_unit_id=gw.grid.id).status_code == HTTPStatus.OK
    admin = client_for(app, gw.admin)
    page = admin.get(f"/t/{gw.street.slug}/admin/audit?module=grid").text
    steps = [tr["data-action"] for tr in select(page, "#audit-rows tr[data-action]")]
    assert steps[:2] == ["grid.event_state_changed.dispatch", "grid.event_state_changed.register"]
    assert "grid.event_created" in steps
    row = select(page, "#audit-rows tr[data-action='grid.event_state_changed.dispatch']")[0]
    assert f"grid_event {event_id}" in row.get_text() and gw.clerk.username in row.get_text()
    assert "网格事件：派遣" in row.get_text()  # a readable name, the code only beside it
    created = select(page, "#audit-rows tr[data-action='grid.event_created']")[0]
    assert "网格事件：上报" in created.get_text()
    assert "3栋楼道堆放杂物" not in page and "13812345678" not in page  # codes only
    assert select(admin.get(f"/t/{gw.street.slug}/admin/audit?module=core").text,
                  "#audit-rows tr[data-action^='grid.']") == []


def test_the_audited_step_keeps_its_states_as_codes(app, gw):
    from sqlalchemy import select as sql

    from core.audit.models import AuditLog
    from core.db import db
    from core.tenancy import tenant_scope
    event_id = report(app, gw)
    act(app, gw, gw.clerk, event_id, "register")
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        row = db.session.scalars(sql(AuditLog).where(AuditLog.action == "grid.event_state_changed.register")).one()
        assert (row.object_type, row.object_id) == ("grid_event", str(event_id))
        assert row.detail["from_state"] == "SUBMITTED" and row.detail["to_state"] == "REGISTERED"


def test_an_action_and_a_report_each_say_they_succeeded(app, gw):
    """The toast: an htmx action carries its success message in a header the page shows."""
    import json
    event_id = report(app, gw)
    resp = act(app, gw, gw.clerk, event_id, "register")
    assert resp.status_code == HTTPStatus.OK
    trigger = resp.headers.get("HX-Trigger-After-Settle") or resp.headers.get("HX-Trigger") or ""
    assert "直接立案：已完成" in json.dumps(json.loads(trigger), ensure_ascii=False)
