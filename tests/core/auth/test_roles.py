"""Roles granted at a node apply to its subtree, and only there."""
from __future__ import annotations

from http import HTTPStatus

import pytest

from core.testing.factories import login, post


@pytest.fixture
def tree(create_tenant, create_unit):
    street = create_tenant()
    c1 = create_unit(street, street.root_id, "community", "幸福社区")
    c2 = create_unit(street, street.root_id, "community", "和平社区")
    g1 = create_unit(street, c1.id, "grid", "第一网格", grid_type="residential")
    return street, c1, c2, g1


def test_community_staff_edit_their_community_not_the_next(client, create_user, tree):
    street, c1, c2, g1 = tree
    login(client, create_user(street, "community_staff", unit_id=c1.id))
    ok = post(client, f"/t/{street.slug}/org/{g1.id}/rename", {"name": "第一网格（新）"})
    assert ok.status_code == HTTPStatus.SEE_OTHER
    refused = post(client, f"/t/{street.slug}/org/{c2.id}/rename", {"name": "改不了"})
    assert refused.status_code == HTTPStatus.FORBIDDEN


def test_grid_worker_cannot_edit_the_tree(client, create_user, tree):
    street, _c1, _c2, g1 = tree
    login(client, create_user(street, "grid_worker", unit_id=g1.id))
    assert post(client, f"/t/{street.slug}/org/{g1.id}/rename", {"name": "x"}).status_code == HTTPStatus.FORBIDDEN
    assert client.get(f"/t/{street.slug}/org/").status_code == HTTPStatus.OK


def test_resident_sees_no_staff_pages(client, create_user, tree):
    street, _c1, _c2, g1 = tree
    login(client, create_user(street, "resident", unit_id=g1.id))
    assert client.get(f"/t/{street.slug}/people/").status_code == HTTPStatus.FORBIDDEN
    nav = client.get(f"/t/{street.slug}/").text
    assert "人员" not in nav and "组织体系" not in nav


def test_a_grant_on_another_tenants_node_is_refused(client, create_user, create_tenant, tree):
    street, c1, _c2, _g1 = tree
    other = create_tenant()
    admin = create_user(street, "tenant_admin")
    target = create_user(street, None)
    login(client, admin)
    resp = post(client, f"/t/{street.slug}/admin/grants", {"user_id": target.id, "role": "grid_worker",
                                                           "org_unit_id": other.root_id},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "不属于本单位" in resp.text
    resp = post(client, f"/t/{street.slug}/admin/grants", {"user_id": target.id, "role": "grid_worker",
                                                           "org_unit_id": c1.id})
    assert resp.status_code == HTTPStatus.SEE_OTHER
