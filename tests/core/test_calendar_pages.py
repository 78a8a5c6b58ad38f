"""The calendar pages: a platform admin loads a notice; a unit adds its own day off."""
from __future__ import annotations

from datetime import date
from http import HTTPStatus

from core.calendar import CalendarDay, WorkCalendar
from core.db import db
from core.testing.factories import login, post


def test_a_platform_admin_loads_a_notice_and_the_year_becomes_complete(app, client, create_user):
    login(client, create_user(None, platform_admin=True))
    bad = post(client, "/platform/calendar/", {"year": "2031", "holidays": "2031-13-01 元旦", "workdays": ""})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "第 1 行" in bad.text
    ok = post(client, "/platform/calendar/", {"year": "2031", "notice_ref": "国办发明电〔2030〕1号",
                                              "holidays": "2031-01-01 元旦\n2031-01-02 元旦", "workdays": "2031-01-04"})
    assert ok.status_code == HTTPStatus.SEE_OTHER
    with app.app_context():
        cal = WorkCalendar()
        assert cal.complete(2031) and not cal.is_working(date(2031, 1, 2)) and cal.is_working(date(2031, 1, 4))
        db.session.query(CalendarDay).filter(CalendarDay.day >= date(2031, 1, 1)).delete()
        db.session.commit()


def test_a_unit_marks_its_own_day_off_and_sees_the_year(app, client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "tenant_admin"))
    assert post(client, f"/t/{street.slug}/admin/calendar/?year=2026",
                {"day": "2026-12-01", "day_type": "holiday", "reason": "防汛停工"}).status_code == HTTPStatus.SEE_OTHER
    page = client.get(f"/t/{street.slug}/admin/calendar/?year=2026").text
    assert 'title="防汛停工"' in page and 'title="调休上班"' in page
    missing = post(client, f"/t/{street.slug}/admin/calendar/?year=2026", {"day": "2026-12-02", "day_type": "holiday",
                                                                          "reason": ""})
    assert missing.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "请填写原因" in missing.text
