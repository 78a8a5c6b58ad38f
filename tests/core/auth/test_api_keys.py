"""Tenant admins issue and revoke API keys for platforms: the secret is shown once, every change audited."""
from __future__ import annotations

from http import HTTPStatus

from sqlalchemy import select

from core.audit.models import AuditLog
from core.auth.models import ApiKey
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import htmx, login, post
from core.testing.html import select_one, text_of


def keys(app, tenant):
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        rows = db.session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
        for row in rows:
            db.session.expunge(row)  # read after the scope closes
        return rows


def audit_actions(app, tenant):
    with app.app_context(), tenant_scope(tenant.id, commit=False):
        return db.session.scalars(select(AuditLog.action).where(AuditLog.action.startswith("api_key."))
                                  .order_by(AuditLog.id)).all()


def test_a_key_is_shown_once_then_listed_by_its_prefix_and_revoked(app, client, create_tenant, create_user,
                                                                  enable_plugin):
    street = create_tenant()
    enable_plugin(street, "grid")  # its Open311 endpoint is what a key is for
    admin = create_user(street, "tenant_admin")
    login(client, admin)
    page = client.get(f"/t/{street.slug}/admin/api-keys")
    assert page.status_code == HTTPStatus.OK and "还没有接口密钥" in page.text
    created = post(client, f"/t/{street.slug}/admin/api-keys", {"name": "区12345热线平台", "scopes": "open311"})
    assert created.status_code == HTTPStatus.CREATED
    secret = text_of(created.text, "#new-api-key code.secret")
    assert secret.startswith("jc_") and len(secret) > 40
    (key,) = keys(app, street)
    assert key.name == "区12345热线平台" and key.scopes == ["open311"] and key.created_by == admin.id
    assert secret not in key.secret_hash and key.prefix == secret[:11]

    listing = client.get(f"/t/{street.slug}/admin/api-keys")
    assert secret not in listing.text and f"{key.prefix}…" in listing.text  # never shown again
    assert "从未使用" in listing.text and 'id="new-api-key"' not in listing.text

    revoked = post(client, f"/t/{street.slug}/admin/api-keys/{key.id}/revoke")
    assert revoked.status_code == HTTPStatus.SEE_OTHER
    again = post(client, f"/t/{street.slug}/admin/api-keys/{key.id}/revoke")  # a second click changes nothing
    assert again.status_code == HTTPStatus.SEE_OTHER
    listing = client.get(f"/t/{street.slug}/admin/api-keys")
    row = select_one(listing.text, f'#api-keys tr[data-key="{key.prefix}"]')
    assert "已撤销" in row.get_text() and not row.select("form, button") and "revoke" not in str(row)
    assert keys(app, street)[0].revoked_at is not None
    assert audit_actions(app, street) == ["api_key.create", "api_key.revoke"]


def test_a_blank_name_or_no_use_is_refused_with_422_and_nothing_stored(app, client, create_tenant, create_user,
                                                                       enable_plugin):
    street = create_tenant()
    enable_plugin(street, "grid")
    login(client, create_user(street, "tenant_admin"))
    resp = post(client, f"/t/{street.slug}/admin/api-keys", {"name": " ", "scopes": "open311"}, headers=htmx())
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in resp.text
    assert resp.headers["HX-Retarget"] == "#api-key-form" and 'id="new-api-key"' not in resp.text
    page = post(client, f"/t/{street.slug}/admin/api-keys", {"name": "省平台"})
    assert page.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "至少选择一项用途" in page.text
    made_up = post(client, f"/t/{street.slug}/admin/api-keys", {"name": "省平台", "scopes": "everything"})
    assert made_up.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "没有这项用途" in made_up.text
    assert keys(app, street) == [] and audit_actions(app, street) == []


def test_only_tenant_admins_manage_keys(app, client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "street_staff"))
    assert client.get(f"/t/{street.slug}/admin/api-keys").status_code == HTTPStatus.FORBIDDEN
    assert post(client, f"/t/{street.slug}/admin/api-keys", {"name": "x", "scopes": "open311"}).status_code \
        == HTTPStatus.FORBIDDEN
    assert keys(app, street) == []


def test_without_a_module_that_takes_keys_there_is_nothing_to_issue(app, client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "tenant_admin"))
    page = client.get(f"/t/{street.slug}/admin/api-keys")
    assert "本单位开通的模块没有需要密钥的接口" in page.text and 'id="api-key-form"' not in page.text
    refused = post(client, f"/t/{street.slug}/admin/api-keys", {"name": "省平台", "scopes": "open311"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and keys(app, street) == []
