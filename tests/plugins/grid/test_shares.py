"""L3: a street shares an event with a district department, explicitly and on the record; the
district reads it read-only, only while shared, and every read lands in the street's audit log."""
from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for


@dataclass
class Districts:
    district: object
    street: object
    sibling: object
    foreign_street: object
    street_admin: object
    sibling_admin: object
    foreign_admin: object
    community_staff: object
    district_admin: object
    events: dict


def _event(app, tenant, title, category="SE-SAFETY"):
    from plugins.grid.models import Category
    from plugins.grid.services import report_event
    with app.app_context(), tenant_scope(tenant.id):
        cat = db.session.scalar(select(Category.id).where(Category.code == category))
        return report_event({"title": title, "category_id": cat, "address": "文化路12号"}, "GRID_PATROL").id


@pytest.fixture
def dw(app, create_tenant, create_unit, create_user, enable_plugin):
    district = create_tenant(kind="district", name="城东区")
    street = create_tenant(parent=district, name="东街街道")
    sibling = create_tenant(parent=district, name="西街街道")
    other_district = create_tenant(kind="district", name="城西区")
    foreign = create_tenant(parent=other_district, name="南街街道")
    for t in (district, street, sibling, other_district, foreign):
        enable_plugin(t, "grid")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    events = {"shared": _event(app, street, "群租房消防隐患"), "kept": _event(app, street, "楼道电瓶车充电"),
              "sibling": _event(app, sibling, "西街共享事件"), "foreign": _event(app, foreign, "南街共享事件")}
    return Districts(district, street, sibling, foreign, create_user(street, "tenant_admin"),
                     create_user(sibling, "tenant_admin"), create_user(foreign, "tenant_admin"),
                     create_user(street, "community_staff", unit_id=community.id),
                     create_user(district, "tenant_admin"), events)


def version(app, tenant, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        return db.session.get(GridEvent, event_id).version


def share(app, tenant, account, event_id, department="区应急管理局", reason="群租房消防隐患需区里联合执法"):
    return post(client_for(app, account), f"/t/{tenant.slug}/grid/{event_id}/share",
                {"department": department, "reason": reason, "version": version(app, tenant, event_id)},
                headers={"HX-Request": "true"})


def audits(app, tenant, action):
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        return [(a.object_id, a.detail) for a in db.session.scalars(
            select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))]


def event_level(app, tenant, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        ev = db.session.get(GridEvent, event_id)
        return ev.level, ev.max_level


def live_share_id(app, tenant, event_id):
    from plugins.grid.shares import live_share
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        row = live_share(event_id)
        return row.id if row else None


def test_sharing_and_withdrawing_are_on_the_timeline_and_in_the_streets_audit_log(app, dw):
    e = dw.events["shared"]
    assert event_level(app, dw.street, e) == (1, 1)
    resp = share(app, dw.street, dw.street_admin, e)
    assert resp.status_code == 200 and "已于" in resp.text and "共享给 区应急管理局" in resp.text
    assert "区级部门（共享）" in resp.text and event_level(app, dw.street, e) == (3, 3)
    [(object_id, detail)] = audits(app, dw.street, "grid.share")
    assert object_id == str(e) and detail["department"] == "区应急管理局"
    again = share(app, dw.street, dw.street_admin, e, department="区城管委")
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "该事件已共享给区应急管理局，请先撤回" in again.text
    share_id = live_share_id(app, dw.street, e)
    c = client_for(app, dw.street_admin)
    missing = post(c, f"/t/{dw.street.slug}/grid/shares/{share_id}/withdraw", {"reason": ""}, headers={"HX-Request": "true"})
    assert missing.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in missing.text
    assert live_share_id(app, dw.street, e) == share_id
    done = post(c, f"/t/{dw.street.slug}/grid/shares/{share_id}/withdraw", {"reason": "已由街道自行整改完毕"},
                headers={"HX-Request": "true"})
    assert done.status_code == 200 and "撤回区级共享" in done.text and "已由街道自行整改完毕" in done.text
    assert live_share_id(app, dw.street, e) is None
    assert event_level(app, dw.street, e) == (1, 3), "back at its level; the statistics remember it went to L3"
    assert [d["share_id"] for _o, d in audits(app, dw.street, "grid.unshare")] == [share_id]


def test_only_officers_with_the_share_permission_share(app, dw):
    e = dw.events["shared"]
    assert share(app, dw.street, dw.community_staff, e).status_code == HTTPStatus.FORBIDDEN
    bad = share(app, dw.street, dw.street_admin, e, department="")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in bad.text
    assert live_share_id(app, dw.street, e) is None and audits(app, dw.street, "grid.share") == []


def test_the_district_sees_only_what_its_streets_shared_and_each_read_is_in_the_streets_log(app, dw):
    assert share(app, dw.street, dw.street_admin, dw.events["shared"]).status_code == 200
    sibling_admin_share = share(app, dw.sibling, dw.sibling_admin, dw.events["sibling"], department="区城管委",
                                 reason="占道经营需区城管委处理")
    assert sibling_admin_share.status_code == 200
    assert share(app, dw.foreign_street, dw.foreign_admin, dw.events["foreign"]).status_code == 200
    c = client_for(app, dw.district_admin)
    page = c.get(f"/t/{dw.district.slug}/grid/shared")
    assert page.status_code == 200
    assert "群租房消防隐患" in page.text and "西街共享事件" in page.text and "东街街道" in page.text
    assert "楼道电瓶车充电" not in page.text, "never shared"
    assert "南街共享事件" not in page.text, "another district's street"
    [(_o, read)] = audits(app, dw.street, "grid.district_read")
    assert read["district"] == dw.district.slug and len(read["events"]) == 1
    assert len(audits(app, dw.sibling, "grid.district_read")) == 1
    assert audits(app, dw.foreign_street, "grid.district_read") == []
    assert [d["endpoint"] for _o, d in audits(app, dw.district, "district.rollup")] == ["grid.shared"]
    # one department only
    only = c.get(f"/t/{dw.district.slug}/grid/shared?department=区城管委").text
    assert "西街共享事件" in only and "群租房消防隐患" not in only
    # the detail page: read-only, and the read is in the street's log against the event
    share_id = live_share_id(app, dw.street, dw.events["shared"])
    detail = c.get(f"/t/{dw.district.slug}/grid/shared/{share_id}")
    assert detail.status_code == 200 and "区应急管理局" in detail.text and "共享给区级部门" in detail.text
    assert "确定" not in detail.text, "nothing to act on"
    assert audits(app, dw.street, "grid.district_read")[-1][0] == str(dw.events["shared"])
    assert post(c, f"/t/{dw.district.slug}/grid/shared/{share_id}").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    # withdrawn: gone from the district
    post(client_for(app, dw.street_admin), f"/t/{dw.street.slug}/grid/shares/{share_id}/withdraw", {"reason": "整改完毕"},
         headers={"HX-Request": "true"})
    assert "群租房消防隐患" not in c.get(f"/t/{dw.district.slug}/grid/shared").text
    assert c.get(f"/t/{dw.district.slug}/grid/shared/{share_id}").status_code == HTTPStatus.NOT_FOUND


def test_another_districts_share_is_not_found_and_streets_have_no_district_page(app, dw):
    share(app, dw.foreign_street, dw.foreign_admin, dw.events["foreign"])
    foreign_share = live_share_id(app, dw.foreign_street, dw.events["foreign"])
    c = client_for(app, dw.district_admin)
    assert c.get(f"/t/{dw.district.slug}/grid/shared/{foreign_share}").status_code == HTTPStatus.NOT_FOUND
    assert client_for(app, dw.street_admin).get(f"/t/{dw.street.slug}/grid/shared").status_code == HTTPStatus.NOT_FOUND
