"""Creating and changing tenants: platform-admin and operator actions, in system scope."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from marshmallow import ValidationError
from contextlib import contextmanager

from sqlalchemy import select

from ..db import db
from ..org.models import OrgUnit
from .context import TenantContext, reset_context, set_context
from .models import Tenant
from .rls import sync_rls_settings

SLUG = re.compile(r"^[a-z0-9][a-z0-9\-]{1,62}$")


def create_tenant(session, slug: str, name: str, kind: str, parent_slug: str | None = None,
                  is_demo: bool = False) -> Tenant:
    """A tenant with its root node and built-in roles, in one transaction (the caller's system scope)."""
    if not SLUG.match(slug or ""):
        raise ValidationError({"slug": [_("标识只能用小写字母、数字和短横线，2–63 位")]})
    if kind not in ("district", "street"):
        raise ValidationError({"kind": [_("类型应为区或街道")]})
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise ValidationError({"slug": [_("标识 %(s)s 已被使用", s=slug)]})
    parent = None
    if parent_slug:
        parent = session.scalars(select(Tenant).where(Tenant.slug == parent_slug)).first()
        if parent is None or parent.kind != "district":
            raise ValidationError({"parent": [_("上级必须是已存在的区")]})
    if kind == "district" and parent is not None:
        raise ValidationError({"parent": [_("区不能有上级")]})
    tenant = Tenant(slug=slug, name=name, kind=kind, parent_id=parent.id if parent else None, is_demo=is_demo)
    session.add(tenant)
    session.flush()
    with acting_in(tenant.id):  # the new tenant's rows are written in its own context
        root = OrgUnit(tenant_id=tenant.id, kind=kind, code=slug, name=name, path="", attrs={})
        session.add(root)
        session.flush()
        root.path = f"/{root.id}/"
        from ..auth.services import seed_roles
        seed_roles(tenant.id, session)
    return tenant


@contextmanager
def acting_in(tenant_id: int, user_id: int | None = None):
    """Temporarily make ``tenant_id`` the active tenant of the current unit of work."""
    token = set_context(TenantContext(active=tenant_id, visible=(tenant_id,), user_id=user_id))
    try:
        yield
    finally:
        reset_context(token)
        sync_rls_settings()


def root_unit(session, tenant_id: int) -> OrgUnit:
    return session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tenant_id, OrgUnit.parent_id.is_(None))
                           .order_by(OrgUnit.id)).first()


_SLUGS: dict[tuple, str] = {}


def tenant_slug(tenant_id: int) -> str:
    """A tenant's slug (its URL prefix), remembered: slugs never change once made."""
    key = (str(db.engine.url), tenant_id)
    slug = _SLUGS.get(key)
    if slug is None:
        slug = _SLUGS[key] = db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    return slug
