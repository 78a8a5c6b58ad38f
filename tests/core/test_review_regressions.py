"""Behaviours a review of the running demo found missing; each stays fixed."""
from __future__ import annotations

from http import HTTPStatus

from core.testing.factories import login, post
from core.testing.html import select


def test_the_users_page_lists_only_this_units_members_once(app, client, create_tenant, create_user):
    district = create_tenant("district")
    street = create_tenant("street", parent=district)
    boss = create_user(district, "tenant_admin")
    from core.auth.services import ensure_membership
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test") as session:
        ensure_membership(boss.id, street.id, session)
    local = create_user(street, "grid_worker")
    login(client, boss)
    page = client.get(f"/t/{district.slug}/admin/users").text
    rows = [tr["data-user"] for tr in select(page, "tr[data-user]")]
    assert rows == [boss.username] and local.username not in page


def test_reveal_applies_only_inside_the_grantees_part_of_the_tree(client, create_tenant, create_unit, create_person,
                                                                 create_user):
    street = create_tenant()
    mine = create_unit(street, street.root_id, "community", "本社区")
    other = create_unit(street, street.root_id, "community", "别的社区")
    outsider = create_person(street, name="李乙01", phone="13900001234", org_unit_id=other.id)
    insider = create_person(street, name="王甲01", phone="13900005678", org_unit_id=mine.id)
    login(client, create_user(street, "community_staff", unit_id=mine.id))
    assert post(client, f"/t/{street.slug}/people/{outsider.id}/reveal", {"field": "phone", "reason": "核实"}).status_code \
        == HTTPStatus.FORBIDDEN
    assert "13900005678" in post(client, f"/t/{street.slug}/people/{insider.id}/reveal",
                                 {"field": "phone", "reason": "核实"}).text
    listed = client.get(f"/t/{street.slug}/people/").text
    assert "王甲01" in listed and "李乙01" not in listed


def test_large_text_enlarges_the_root_font(client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "grid_worker"))
    post(client, "/large-text", {"next": "/"})
    assert '<html lang="zh-CN" class="large-text">' in client.get(f"/t/{street.slug}/").text


def test_after_an_expired_htmx_request_sign_in_returns_to_the_page_not_the_fragment(client, create_tenant):
    street = create_tenant()
    resp = client.get(f"/t/{street.slug}/org/5/children",
                      headers={"HX-Request": "true", "HX-Current-URL": f"http://localhost/t/{street.slug}/org/"})
    assert resp.headers["HX-Redirect"] == f"/login?next=/t/{street.slug}/org/"


def test_error_headlines_follow_the_language(client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "grid_worker"))
    post(client, "/lang", {"lang": "en", "next": "/"})
    page = client.get(f"/t/{street.slug}/admin/users").text
    assert "403" in page and "没有权限" not in page


def test_audit_filter_days_are_beijing_days(app, client, create_tenant, create_user):
    from datetime import datetime, timezone

    from core.audit.models import AuditLog
    from core.db import db
    from core.tenancy import tenant_scope
    street = create_tenant()
    login(client, create_user(street, "tenant_admin"))
    with app.app_context(), tenant_scope(street.id):  # 07:00 in Beijing on 3 March is 23:00 UTC on 2 March
        db.session.add(AuditLog(action="test.early", at=datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc)))
    page = client.get(f"/t/{street.slug}/admin/audit?action=test.&from=2026-03-03&to=2026-03-03").text
    assert "test.early" in page
    assert "test.early" not in client.get(f"/t/{street.slug}/admin/audit?action=test.&from=2026-03-02&to=2026-03-02").text


def test_the_org_import_template_imports_as_it_is(app, client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "tenant_admin"))
    template = client.get(f"/t/{street.slug}/org/import-template.xlsx").data
    import io
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (io.BytesIO(template), "t.xlsx")},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.OK and "已导入 3 行" in resp.text
