"""Account and grant services. They flush; the view or command commits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import service as audit
from ..db import db
from ..org.models import OrgUnit
from ..tenancy.context import current
from . import passwords
from .models import Membership, Role, RoleGrant, UserAccount


class GrantRefused(ValueError):
    """A grant that cannot be made; the message says why, for the form."""


def seed_roles(tenant_id: int, session=None) -> None:
    """Create the built-in roles of a tenant with their default permissions (idempotent)."""
    from .permissions import BUILTIN_ROLES, default_role_permissions
    session = session or db.session
    perms = default_role_permissions()
    existing = {r.code: r for r in session.scalars(select(Role).where(Role.tenant_id == tenant_id))}
    for spec in BUILTIN_ROLES:
        role = existing.get(spec.code)
        if role is None:
            session.add(Role(tenant_id=tenant_id, code=spec.code, name=str(spec.label), permissions=perms[spec.code]))
        elif role.builtin and sorted(role.permissions) != sorted(perms[spec.code]):
            role.permissions = perms[spec.code]
    session.flush()


def create_user(username: str, display_name: str, password: str | None = None,
                must_change: bool = True, session=None) -> tuple[UserAccount, str]:
    """Create an account; without a password it gets a random one-time password to change at first sign-in."""
    from .views import one_time_password
    otp = password or one_time_password()
    user = UserAccount(username=username, display_name=display_name, password_hash=passwords.hash_password(otp),
                       must_change_password=must_change)
    session = session or db.session
    session.add(user)
    session.flush()
    return user, otp


def ensure_membership(user_id: int, tenant_id: int, session=None) -> None:
    session = session or db.session
    if session.scalar(select(Membership.id).where(Membership.user_id == user_id,
                                                  Membership.tenant_id == tenant_id)) is None:
        session.add(Membership(user_id=user_id, tenant_id=tenant_id))
        session.flush()


def tenant_user_or_none(user_id: int) -> UserAccount | None:
    """A user with a membership in the active tenant; others do not exist from here."""
    return db.session.scalars(select(UserAccount).join(Membership, Membership.user_id == UserAccount.id)
                              .where(UserAccount.id == user_id, Membership.tenant_id == current().active)).first()


def grant(user_id: int, role_code: str, org_unit_id: int) -> RoleGrant:
    """Grant a role at a node of the active tenant's tree (covers the subtree)."""
    ctx = current()
    user = tenant_user_or_none(user_id)
    if user is None:
        raise GrantRefused(_("该用户不是本单位成员"))
    role = db.session.scalars(select(Role).where(Role.code == role_code)).first()
    if role is None:
        raise GrantRefused(_("没有这个角色"))
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.id == org_unit_id)).first()
    if unit is None or unit.tenant_id != ctx.active:
        raise GrantRefused(_("组织节点不存在或不属于本单位"))
    existing = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role_id == role.id,
                                                          RoleGrant.org_unit_id == unit.id)).first()
    if existing:
        raise GrantRefused(_("该用户在此节点已有这个角色"))
    row = RoleGrant(user_id=user_id, role_id=role.id, org_unit_id=unit.id, granted_by=ctx.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record("grant.create", "role_grant", row.id, user_id=user_id, role=role_code, org_unit_id=unit.id)
    return row
