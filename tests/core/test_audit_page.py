"""The audit page reads as sentences: readable action names, and filters by person, unit, module and day
that refuse what no one could have chosen."""
from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus

import pytest

from core.testing.factories import htmx, login, post
from core.testing.html import select, text_of


@pytest.fixture
def street(client, create_tenant, create_unit, create_user, create_person):
    street = create_tenant()
    community = create_unit(street, street.root_id, "community", "幸福社区")
    other = create_unit(street, street.root_id, "community", "平安社区")
    admin = create_user(street, "tenant_admin")
    staff = create_user(street, "community_staff", unit_id=community.id)
    login(client, admin)
    return street, community, other, admin, staff


def rows(html: str) -> list[str]:
    return [tr["data-action"] for tr in select(html, "#audit-rows tr[data-action]")]


def test_actions_have_readable_names_with_their_code_beside(client, street, create_person):
    s, *_ = street
    person = create_person(s, phone="13812345678")
    post(client, f"/t/{s.slug}/people/{person.id}/reveal", {"field": "phone", "reason": "回访"})
    post(client, f"/t/{s.slug}/org/{s.root_id}/rename", {"name": "东街"})
    page = client.get(f"/t/{s.slug}/admin/audit").text
    labels = [el.get_text() for el in select(page, "#audit-rows .action-label")]
    assert labels[:2] == ["组织节点改名", "查看完整个人信息"]
    assert text_of(page, "#audit-rows tr[data-action='org.rename'] .mono") == "org.rename"


def test_filter_by_the_person_who_acted(app, client, street):
    s, community, _other, admin, staff = street
    staff_client = app.test_client()
    login(staff_client, staff)
    post(staff_client, f"/t/{s.slug}/org/{community.id}/rename", {"name": "幸福社区居委会"})
    post(client, f"/t/{s.slug}/org/{s.root_id}/rename", {"name": "东街"})
    mine = client.get(f"/t/{s.slug}/admin/audit?actor={staff.id}", headers=htmx(target="audit-rows"))
    assert rows(mine.text) == ["org.rename"] and "<html" not in mine.text
    assert "幸福社区居委会" not in mine.text  # ids and codes only: the new name is not in the log
    assert staff.username in mine.text


def test_filter_by_unit_keeps_the_actions_of_people_working_there(app, client, street):
    s, community, other, _admin, staff = street
    staff_client = app.test_client()
    login(staff_client, staff)
    post(staff_client, f"/t/{s.slug}/org/{community.id}/rename", {"name": "幸福社区居委会"})
    post(client, f"/t/{s.slug}/org/{s.root_id}/rename", {"name": "东街"})
    there = client.get(f"/t/{s.slug}/admin/audit?unit={community.id}").text
    assert rows(there) == ["org.rename"] and staff.username in text_of(there, "#audit-rows")
    assert rows(client.get(f"/t/{s.slug}/admin/audit?unit={other.id}").text) == []


def test_filter_by_module_and_by_beijing_days(app, client, street):
    from core.audit.models import AuditLog
    from core.db import db
    from core.tenancy import tenant_scope
    s, *_ = street
    with app.app_context(), tenant_scope(s.id):  # 07:00 in Beijing on 3 March is 23:00 UTC on 2 March
        db.session.add(AuditLog(action="grid.export", at=datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc)))
        db.session.add(AuditLog(action="plugin.enable", at=datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)))
    page = client.get(f"/t/{s.slug}/admin/audit?module=grid&from=2026-03-03&to=2026-03-03").text
    assert rows(page) == ["grid.export"]
    assert rows(client.get(f"/t/{s.slug}/admin/audit?module=core&from=2026-03-03&to=2026-03-03").text) == ["plugin.enable"]
    assert rows(client.get(f"/t/{s.slug}/admin/audit?module=grid&from=2026-03-02&to=2026-03-02").text) == []


@pytest.mark.parametrize(("query", "message"), [
    ("module=nosuch", "请选择模块"),
    ("actor=999999", "请选择操作人"),
    ("unit=999999", "请选择单位"),
    ("actor=abc", "请选择操作人"),
    ("from=2026-03-05&to=2026-03-01", "结束日期不能早于开始日期"),
    ("from=2024-01-01&to=2026-03-01", "一次最多查看一年"),
    ("from=3月1日", "日期格式不正确"),
    ("action=drop table", "操作代码只能包含字母、数字、下划线和点"),
])
def test_a_filter_no_one_could_choose_is_refused_with_the_reason(client, street, query, message):
    s, *_ = street
    page = client.get(f"/t/{s.slug}/admin/audit?{query}")
    assert page.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in text_of(page.text, "#audit-filters") and rows(page.text) == []
    swap = client.get(f"/t/{s.slug}/admin/audit?{query}", headers=htmx(target="audit-rows"))
    assert swap.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and swap.headers["HX-Retarget"] == "#audit-filters"
    assert message in swap.text and "<html" not in swap.text


def test_another_streets_person_or_unit_is_not_a_choice(client, street, create_tenant, create_user):
    s, *_ = street
    elsewhere = create_tenant()
    stranger = create_user(elsewhere, "tenant_admin")
    assert client.get(f"/t/{s.slug}/admin/audit?actor={stranger.id}").status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert client.get(f"/t/{s.slug}/admin/audit?unit={elsewhere.root_id}").status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_the_filters_offer_people_by_name_and_account(client, street):
    s, _community, _other, _admin, staff = street
    page = client.get(f"/t/{s.slug}/admin/audit").text
    options = [o.get_text() for o in select(page, "#audit-filters select[name=actor] option")]
    assert f"用户{staff.username}（{staff.username}）" in options
    modules = [o["value"] for o in select(page, "#audit-filters select[name=module] option")]
    assert modules[:2] == ["", "core"] and "grid" in modules  # 全部, 系统, then each installed module
