"""People: masked numbers, audited reveal, search by name, pinyin and phone, export and erasure."""
from __future__ import annotations

import json
import re
from http import HTTPStatus

import pytest
from sqlalchemy import select

from core.audit.models import AuditLog
from core.db import db
from core.org.models import Person
from core.tenancy import tenant_scope
from core.testing.factories import htmx, login, post

REAL_PHONE = "13812345678"
REAL_ID = "11010519491231002X"


@pytest.fixture
def street(create_tenant):
    return create_tenant()


@pytest.fixture
def person(create_person, street):
    return create_person(street, name="王甲07", phone=REAL_PHONE, id_number=REAL_ID, party_member=True,
                         mgmt_category="直管")


def audits(app, street, action):
    with app.app_context(), tenant_scope(street.id, commit=False):
        return [(a.object_id, a.detail) for a in db.session.scalars(select(AuditLog).where(AuditLog.action == action))]


def test_lists_and_details_show_masked_numbers(client, create_user, street, person):
    login(client, create_user(street, "grid_worker"))
    for url in (f"/t/{street.slug}/people/", f"/t/{street.slug}/people/{person.id}"):
        html = client.get(url).text
        assert "138****5678" in html
        assert not re.search(r"1[3-9]\d{9}", html) and not re.search(r"\d{17}[\dXx]", html), url
    assert "查看完整号码" not in client.get(f"/t/{street.slug}/people/{person.id}").text


def test_reveal_needs_permission_and_a_reason_and_is_audited(app, client, create_user, street, person):
    worker = create_user(street, "grid_worker")
    login(client, worker)
    assert post(client, f"/t/{street.slug}/people/{person.id}/reveal",
                {"field": "phone", "reason": "核实"}).status_code == HTTPStatus.FORBIDDEN
    staff = create_user(street, "community_staff")
    login(client, staff)
    missing = post(client, f"/t/{street.slug}/people/{person.id}/reveal", {"field": "phone", "reason": ""}, headers=htmx())
    assert missing.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    resp = post(client, f"/t/{street.slug}/people/{person.id}/reveal", {"field": "id_number", "reason": "办理低保核实身份"},
                headers=htmx())
    assert resp.status_code == HTTPStatus.OK and REAL_ID in resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    rows = audits(app, street, "pii.reveal")
    assert rows == [(str(person.id), {"field": "id_number", "reason": "办理低保核实身份"})]
    assert REAL_ID not in json.dumps(rows, ensure_ascii=False)


@pytest.mark.parametrize("query", ["王甲", "wj", "5678"])
def test_search_by_name_pinyin_initials_or_last_four_digits(client, create_user, street, person, create_person, query):
    create_person(street, name="李乙03", phone="13900001111")
    login(client, create_user(street, "grid_worker"))
    resp = client.get(f"/t/{street.slug}/people/?q={query}", headers=htmx(target="people-rows"))
    assert "王甲07" in resp.text and "李乙03" not in resp.text


def test_an_invalid_id_number_is_refused_with_the_reason(app, client, create_user, street):
    login(client, create_user(street, "community_staff"))
    resp = post(client, f"/t/{street.slug}/people/", {"name": "赵丙01", "id_number": "110105194912310021"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "校验位不正确" in resp.text
    with app.app_context(), tenant_scope(street.id, commit=False):
        assert db.session.scalars(select(Person).where(Person.name == "赵丙01")).first() is None


def test_export_gives_one_persons_data(app, client, create_user, street, person, create_person):
    create_person(street, name="李乙03", phone="13900001111")
    login(client, create_user(street, "tenant_admin"))
    resp = client.get(f"/t/{street.slug}/people/{person.id}/export.json")
    data = resp.get_json(force=True)
    assert data["person"]["phone"] == REAL_PHONE and "李乙03" not in resp.text
    assert len(audits(app, street, "pii.export")) == 1


def test_erasure_removes_personal_fields_and_keeps_the_audit_trail(app, client, create_user, street, person):
    login(client, create_user(street, "tenant_admin"))
    assert post(client, f"/t/{street.slug}/people/{person.id}/erase", {"confirm": "nope"}).status_code == 422
    assert post(client, f"/t/{street.slug}/people/{person.id}/erase", {"confirm": "ERASE"}).status_code == 303
    with app.app_context(), tenant_scope(street.id, commit=False):
        row = db.session.get(Person, person.id)
        assert (row.phone, row.id_number, row.name) == (None, None, "已删除") and row.erased_at
    assert [oid for oid, _d in audits(app, street, "pii.erase")] == [str(person.id)]


def test_a_change_of_the_five_in_one_category_is_audited(app, client, create_user, street, person):
    login(client, create_user(street, "community_staff"))
    form = client.get(f"/t/{street.slug}/people/{person.id}/edit").text
    assert 'value="王甲07"' in form
    resp = post(client, f"/t/{street.slug}/people/{person.id}/edit",
                {"name": "王甲07", "party_member": "on", "mgmt_category": "双重管", "employer": "演示单位"})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    assert audits(app, street, "person.mgmt_category") == [(str(person.id), {"old": "直管", "new": "双重管"})]
    bad = post(client, f"/t/{street.slug}/people/{person.id}/edit", {"name": "王甲07", "mgmt_category": "双重管"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只有党员才有五管合一类别" in bad.text
    with app.app_context(), tenant_scope(street.id, commit=False):
        assert db.session.get(Person, person.id).phone == REAL_PHONE, "editing never touches the phone"
