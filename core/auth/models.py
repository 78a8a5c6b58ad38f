"""Accounts, server-side sessions, login throttles, memberships, roles and grants."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default


class UserAccount(db.Model):
    """One login for a person who may work in several tenants."""

    __tablename__ = "user_account"
    #: user: one account spans the tenants it has memberships in.
    __tenancy__ = "user"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    #: secrets: never loaded with the account; read through core.auth.credentials
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True, deferred_raiseload=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64), deferred=True, deferred_raiseload=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_codes: Mapped[list] = mapped_column(default=list, deferred=True, deferred_raiseload=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    large_text: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class UserSession(db.Model):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "user_session"
    #: user: a user's own sessions, across tenants.
    __tenancy__ = "user"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_default)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    totp_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    #: last time the password was typed: sensitive actions need it within five minutes (step-up).
    reauth_at: Mapped[datetime] = mapped_column(default=utc_default)


class SecurityStamp(db.Model):
    """One random number for the installation, replaced by every transaction that changes who may do
    what: an account, a session's step-up or second factor, a membership, a role, a grant, a unit's
    place in the tree, a tenant (``core.tenancy.admission``). Workers keep who is signed in and their
    grants under it, so a change anywhere retires every kept answer at its commit."""

    __tablename__ = "security_stamp"
    #: global: one row for the whole installation, read before any tenant is known.
    __tenancy__ = "global"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


class LoginThrottle(db.Model):
    """Failed sign-ins per account and per address, shared by every worker through the database."""

    __tablename__ = "login_throttle"
    #: user: keyed by account name or address, before anyone is signed in.
    __tenancy__ = "user"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(default=utc_default)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class Membership(db.Model):
    """A user works in a tenant; roles come from grants."""

    __tablename__ = "membership"
    #: user: the tenant switcher lists a user's own memberships across tenants.
    __tenancy__ = "user"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"), Index("ix_membership_user", "user_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class Role(TenantScoped, db.Model):
    """A named set of permission codes, per tenant; built-in roles are seeded at tenant creation."""

    __tablename__ = "role"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "code"))

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    permissions: Mapped[list] = mapped_column(default=list)
    builtin: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleGrant(TenantScoped, db.Model):
    """A role granted to a user at a node of the tree; it covers the node's subtree."""

    __tablename__ = "role_grant"
    __table_args__ = tenant_table_args(
        tenant_fk("role_id", "role", ondelete="CASCADE"), tenant_fk("org_unit_id", "org_unit"),
        UniqueConstraint("tenant_id", "user_id", "role_id", "org_unit_id"))

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(BigId)
    org_unit_id: Mapped[int] = mapped_column(BigId)
    granted_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class ApiKey(TenantScoped, db.Model):
    """A machine client's key (a 12345 or provincial platform posting Open311 reports).

    The secret is a 256-bit random token shown once; only its SHA-256 is kept, so a stolen
    database does not hand out working keys. Revoked keys stay listed for the audit trail.
    """

    __tablename__ = "api_key"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "secret_hash"))

    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(default=list)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(BigId)
