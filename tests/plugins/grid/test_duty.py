"""The duty roster (值班): who takes reports for the street and each community, day and night."""
from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus

from sqlalchemy import func, select

from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for


def duties(app, gw):
    from plugins.grid.models import Duty
    with app.app_context(), tenant_scope(gw.street.id, commit=False) as session:
        return session.scalar(select(func.count()).select_from(Duty))


def test_staff_put_people_on_duty_and_everyone_sees_the_week(app, gw, create_person):
    on_duty = create_person(gw.street, name="赵值班", org_unit_id=gw.community.id)
    admin = client_for(app, gw.admin)
    monday = date(2026, 12, 7)
    wednesday = (monday + timedelta(days=2)).isoformat()
    done = post(admin, f"/t/{gw.street.slug}/grid/duty", {"org_unit_id": gw.community.id, "duty_date": wednesday,
                                                           "shift": "night", "person_id": on_duty.id})
    assert done.status_code == HTTPStatus.SEE_OTHER
    again = post(admin, f"/t/{gw.street.slug}/grid/duty", {"org_unit_id": gw.community.id, "duty_date": wednesday,
                                                            "shift": "night", "person_id": on_duty.id})
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "此人已在这个班次" in again.text
    bad = post(admin, f"/t/{gw.street.slug}/grid/duty", {"org_unit_id": gw.community.id, "duty_date": "12月9日",
                                                          "shift": "noon", "person_id": ""})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "日期格式不正确" in bad.text and "请选择班次" in bad.text and "请选择人员" in bad.text
    assert duties(app, gw) == 1
    week = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/duty?week={monday.isoformat()}").text
    assert "赵值班" in week and "12-09 周三" in week
    assert "安排值班" not in week and "/remove" not in week  # a grid worker reads the roster; staff keep it
    assert post(client_for(app, gw.worker), f"/t/{gw.street.slug}/grid/duty",
                {"org_unit_id": gw.community.id, "duty_date": wednesday, "shift": "day",
                 "person_id": on_duty.id}).status_code == HTTPStatus.FORBIDDEN
    from plugins.grid.models import Duty
    with app.app_context(), tenant_scope(gw.street.id, commit=False) as session:
        duty_id = session.scalar(select(Duty.id))
    assert post(client_for(app, gw.worker), f"/t/{gw.street.slug}/grid/duty/{duty_id}/remove").status_code == \
        HTTPStatus.FORBIDDEN
    assert post(admin, f"/t/{gw.street.slug}/grid/duty/{duty_id}/remove").status_code == HTTPStatus.SEE_OTHER
    assert duties(app, gw) == 0
