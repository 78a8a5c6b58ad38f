"""Factory fixtures (``create_<thing>``) that build real rows through real services."""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

import pytest
from sqlalchemy import select

_n = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_n)}{secrets.token_hex(2)}"


@dataclass
class TenantInfo:
    id: int
    slug: str
    root_id: int
    root_path: str
    kind: str


@pytest.fixture
def create_tenant(app):
    """Create a street (or district) with its root node; ``parent=`` a district TenantInfo."""
    def _create(kind: str = "street", parent: TenantInfo | None = None, name: str | None = None) -> TenantInfo:
        from ..tenancy.scopes import system_scope
        from ..tenancy.services import create_tenant as make, root_unit
        slug = _unique("t-")
        with app.app_context(), system_scope("test factory") as session:
            tenant = make(session, slug, name or f"测试{slug}", kind, parent.slug if parent else None)
            root = root_unit(session, tenant.id)
            return TenantInfo(tenant.id, tenant.slug, root.id, root.path, kind)
    return _create


@pytest.fixture
def create_unit(app):
    """Create a node under ``parent_id`` in ``tenant``."""
    def _create(tenant: TenantInfo, parent_id: int, kind: str = "community", name: str | None = None, **attrs):
        from ..org.models import OrgUnit
        from ..org.services import create_unit as make
        from ..tenancy.scopes import tenant_scope
        with app.app_context(), tenant_scope(tenant.id) as session:
            parent = session.get(OrgUnit, parent_id)
            unit = make(parent, kind, _unique(f"{kind}-"), name or f"{kind}{next(_n)}", attrs)
            return unit
    return _create


@pytest.fixture
def create_person(app):
    def _create(tenant: TenantInfo, name: str = "王甲01", **fields):
        from ..org.models import Person
        from ..org.services import save_person
        from ..tenancy.scopes import tenant_scope
        with app.app_context(), tenant_scope(tenant.id):
            return save_person(Person(kinds=["resident"]), {"name": name, **fields})
    return _create


@pytest.fixture
def create_user(app):
    """Create an account with a membership and a role granted at ``unit_id`` (default: the root)."""
    def _create(tenant: TenantInfo | None, role: str | None = "tenant_admin", unit_id: int | None = None,
                password: str = "correct horse battery", username: str | None = None, platform_admin: bool = False):
        from ..auth.models import Role, RoleGrant
        from ..auth.services import create_user as make, ensure_membership
        from ..tenancy.scopes import system_scope
        username = username or _unique("u-")
        with app.app_context(), system_scope("test factory") as session:
            user, _ = make(username, f"用户{username}", password=password, must_change=False, session=session)
            user.is_platform_admin = platform_admin
            if tenant is not None:
                ensure_membership(user.id, tenant.id, session)
                if role:
                    role_row = session.scalars(select(Role).where(Role.tenant_id == tenant.id, Role.code == role)).one()
                    session.add(RoleGrant(tenant_id=tenant.id, user_id=user.id, role_id=role_row.id,
                                          org_unit_id=unit_id or tenant.root_id))
            return Account(user.id, username, password)
    return _create


@dataclass
class Account:
    id: int
    username: str
    password: str


def csrf_token(client) -> str:
    with client.session_transaction() as sess:
        if "csrf" not in sess:
            sess["csrf"] = secrets.token_urlsafe(32)
        return sess["csrf"]


def login(client, account: Account) -> None:
    resp = client.post("/login", data={"username": account.username, "password": account.password,
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == 303, resp.text[:500]


@pytest.fixture
def login_as(client):
    """Sign the test client in as ``account``."""
    def _login(account: Account):
        login(client, account)
        return client
    return _login


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST with the session's CSRF token, as a form."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


def htmx(target: str | None = None, boosted: bool = False) -> dict:
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    if boosted:
        headers["HX-Boosted"] = "true"
    return headers


def texts(html: str, selector_class: str) -> list[str]:
    """Text of elements carrying a class, read through the HTML parser (``core.testing.html``)."""
    from .html import texts as by_css
    return by_css(html, f".{selector_class}")


@pytest.fixture
def enable_plugin(app):
    """Switch a plugin on for a tenant, as its admin would on 模块管理."""
    def _enable(tenant: TenantInfo, name: str):
        from ..plugins import admin
        from ..tenancy.scopes import tenant_scope
        with app.app_context(), tenant_scope(tenant.id):
            admin.enable(tenant.id, name)
    return _enable


@pytest.fixture
def disable_plugin(app):
    def _disable(tenant: TenantInfo, name: str):
        from ..plugins import admin
        from ..tenancy.scopes import tenant_scope
        with app.app_context(), tenant_scope(tenant.id):
            admin.disable(tenant.id, name)
    return _disable


def xlsx(rows):
    """An in-memory workbook with these rows, as a person would upload it."""
    import io

    from openpyxl import Workbook
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
