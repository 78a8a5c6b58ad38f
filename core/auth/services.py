"""Account and grant services. They flush; the view or command commits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import BigInteger, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY

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


def admin_scope() -> tuple[int, ...]:
    """The tenants a tenant admin answers for: their own, and a district's streets."""
    from ..tenancy.models import Tenant
    ctx = current()
    streets = db.session.scalars(select(Tenant.id).where(Tenant.parent_id == ctx.active)).all()
    return (ctx.active, *streets)


_BEYOND_PG = text("SELECT jiceng_users_beyond(:users, :scope)").bindparams(
    bindparam("users", type_=ARRAY(BigInteger)), bindparam("scope", type_=ARRAY(BigInteger)))


def users_beyond_scope(user_ids) -> set[int]:
    """Accounts among ``user_ids`` that this admin must not reset, sign out or change: those with a
    membership in a tenant outside :func:`admin_scope`, and platform admins.

    A password reset acts on the whole account, so an admin who owns only part of it would take over
    the rest. On PostgreSQL row-level security hides the other memberships, so a SECURITY DEFINER
    function answers with user ids only.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    scope = list(admin_scope())
    if db.session.get_bind().dialect.name == "postgresql":
        return set(db.session.scalars(_BEYOND_PG, {"users": ids, "scope": scope}))
    outside = select(Membership.user_id).where(Membership.user_id.in_(ids), Membership.tenant_id.not_in(scope))
    admins = select(UserAccount.id).where(UserAccount.id.in_(ids), UserAccount.is_platform_admin.is_(True))
    return set(db.session.scalars(outside.union(admins)))


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


def security_notice(user_id: int, title: str, body: str) -> None:
    """Put a warning in the account owner's inbox (their first tenant), in its own transaction.

    Sign-in pages run before any tenant context, and the owner's memberships are hidden from them,
    so this platform action writes through the owner role. Call it after the request's own commit.
    """
    from ..tenancy.scopes import system_scope
    from ..ui.models import Notification
    with system_scope("security notice to an account owner") as session:
        tenant_id = session.scalar(select(Membership.tenant_id).where(Membership.user_id == user_id)
                                   .order_by(Membership.id).limit(1))
        if tenant_id is not None:
            session.add(Notification(tenant_id=tenant_id, user_id=user_id, title=title[:200], body=body,
                                     link="/account", source="core.security"))


def users_holding(permission: str, unit=None, inside: bool = False) -> set[int]:
    """Accounts that hold ``permission`` on ``unit`` (an OrgUnit or its path): a grant of a role carrying it at the unit or
    anywhere above it (a grant covers its subtree). ``inside=True`` asks for the unit's own staff
    instead: grants on the unit or below it, not those above. No unit: anywhere in the tenant."""
    roles = [r.id for r in db.session.scalars(select(Role)) if permission in (r.permissions or ())]
    if not roles:
        return set()
    stmt = (select(RoleGrant.user_id).join(OrgUnit, (OrgUnit.id == RoleGrant.org_unit_id)
                                           & (OrgUnit.tenant_id == RoleGrant.tenant_id))
            .join(UserAccount, UserAccount.id == RoleGrant.user_id)
            .where(RoleGrant.role_id.in_(roles), UserAccount.is_active.is_(True)))
    if unit is not None:
        path = unit if isinstance(unit, str) else unit.path
        stmt = stmt.where(OrgUnit.path.startswith(path) if inside else bindparam("path", path).startswith(OrgUnit.path))
    return set(db.session.scalars(stmt))
