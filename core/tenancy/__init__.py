"""Tenancy in three layers: composite foreign keys, the ORM guard, PostgreSQL row-level security."""
from . import guard, rls  # noqa: F401  (registers the session listeners)
from .context import (Grant, NoTenantContext, TenantContext, TenantViolation, cache_key, current,  # noqa: F401
                      current_or_none)
from .scopes import system_scope, tenant_scope  # noqa: F401
