"""What a request knows of its account, session and tenant: read-only snapshots of their rows, which
a worker keeps between requests (``core.tenancy.admission``) without holding an ORM session."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A row's columns as they were read: attribute access like the ORM row, without its session."""

    @classmethod
    def of(cls, row):
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class Account(Snapshot):
    """``g.user``: the signed-in account, without its secrets (``core.auth.credentials``)."""
    id: int
    username: str
    display_name: str
    is_active: bool
    is_platform_admin: bool
    must_change_password: bool
    totp_enabled: bool
    locale: str | None
    large_text: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SignIn(Snapshot):
    """``g.user_session``: the browser's session row."""
    id: int
    token_hash: str
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    totp_pending: bool
    reauth_at: datetime


@dataclass(frozen=True, slots=True)
class TenantRow(Snapshot):
    """``g.tenant``: the tenant at the address."""
    id: int
    slug: str
    name: str
    kind: str
    parent_id: int | None
    status: str
    is_demo: bool
    plugins_rev: int
    created_at: datetime
