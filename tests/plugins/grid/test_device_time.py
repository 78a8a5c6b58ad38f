"""Reports sent later from an offline draft keep the device's capture time; a stale one is flagged (T1)."""
from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from sqlalchemy import func, select

from core import clock
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, report


def stored(app, gw, event_id):
    from plugins.grid.models import GridEvent, Transition
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        ev = db.session.get(GridEvent, event_id)
        t1 = db.session.scalars(select(Transition).where(Transition.event_id == event_id, Transition.code == "T1")).one()
        return clock.aware(ev.device_captured_at), clock.aware(ev.created_at), clock.aware(ev.stage_deadline), t1.payload


def test_a_draft_sent_two_days_late_is_flagged_and_the_clock_starts_on_arrival(app, gw):
    captured = (clock.utcnow() - timedelta(days=2)).replace(microsecond=0)
    event_id = report(app, gw, device_captured_at=captured.isoformat().replace("+00:00", "Z"))
    device_at, received, deadline, payload = stored(app, gw, event_id)
    assert device_at == captured and received - captured > timedelta(hours=24)
    assert deadline > received  # the accept clock runs from the server's time, not the device's
    assert payload["device_at"] == captured.isoformat()
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{event_id}")
    assert "设备记录时间" in page.text and "设备时间比收到时间早 24 小时以上，请核实" in page.text


def test_a_draft_sent_within_a_day_shows_its_time_without_a_flag(app, gw):
    captured = clock.utcnow() - timedelta(hours=3)
    event_id = report(app, gw, device_captured_at=captured.isoformat())
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{event_id}")
    assert "设备记录时间" in page.text and "24 小时以上" not in page.text
    plain = report(app, gw)
    assert "设备记录时间" not in client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{plain}").text


def test_a_garbled_device_time_is_refused_and_nothing_stored(app, gw):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        before = db.session.scalar(select(func.count()).select_from(GridEvent))
    resp = post(client_for(app, gw.clerk), f"/t/{gw.street.slug}/grid/", {
        "title": "路灯不亮", "category_id": gw.categories["UP-ROAD"], "grid_id": gw.grid.id,
        "device_captured_at": "昨天下午"}, headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "草稿时间格式不正确" in resp.text
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.scalar(select(func.count()).select_from(GridEvent)) == before
