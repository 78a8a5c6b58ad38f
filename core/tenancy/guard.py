"""Layer 1: the ORM guard. Every ORM statement on a tenant model is filtered to the context.

Reads see ``visible``; UPDATE/DELETE and flushes touch only ``active``. Without a context a tenant
table cannot be read or written at all (fail closed). Core ``text()`` statements are not seen here:
PostgreSQL RLS is the second line for those.
"""
from __future__ import annotations

import weakref

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from ..db import TenantScoped
from .context import NoTenantContext, TenantViolation, _current, _system


def _tenant_tables() -> frozenset[str]:
    global _TENANT_TABLES
    if _TENANT_TABLES is None:
        from ..db import db
        _TENANT_TABLES = frozenset(m.local_table.name for m in db.Model.registry.mappers
                                   if issubclass(m.class_, TenantScoped))
    return _TENANT_TABLES


_TENANT_TABLES: frozenset[str] | None = None


#: statements built once and run on every request (the session, tenant and grant lookups) are
#: inspected once; the answer lives as long as the statement object does
_TOUCHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _touches_tenant_model(state) -> bool:
    """Any tenant table anywhere in the statement: entities, select_from, joins, subqueries."""
    stmt = state.statement
    known = _TOUCHES.get(stmt)
    if known is None:
        names = _tenant_tables()
        known = _TOUCHES[stmt] = (any(issubclass(m.class_, TenantScoped) for m in state.all_mappers)
                                  or any(t.name in names for t in find_tables(stmt, include_joins=True, include_crud=True)))
    return known


@event.listens_for(Session, "do_orm_execute")
def _scope(state):
    if _system.get() or state.session.info.get("system_scope") or state.execution_options.get("system_scope"):
        return
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if not _touches_tenant_model(state):
        return
    ctx = _current.get()
    if ctx is None:
        raise NoTenantContext(str(state.statement)[:200])
    if not state.is_orm_statement:
        if state.execution_options.get("tenant_checked"):
            return  # the caller filtered by tenant_id itself; RLS still applies on PostgreSQL
        # Loader criteria cannot filter plain Table statements: refuse rather than leak.
        raise TenantViolation("use ORM entities, not Table objects, for tenant tables: " + str(state.statement)[:120])
    if state.is_insert:
        if not state.execution_options.get("tenant_checked_insert"):
            raise TenantViolation("bulk insert into a tenant table must be explicit")
        return
    ids = tuple(ctx.visible) if state.is_select else (ctx.active,)
    state.statement = _filtered(state.statement, ids)


#: statement -> {tenant ids -> the same statement with the tenant filter}. A statement built once
#: and run on every request then keeps one filtered twin per tenant set, whose SQL cache key is
#: computed once instead of on every execution.
_FILTERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _filtered(stmt, ids: tuple):
    twins = _FILTERED.get(stmt)
    if twins is None:
        twins = _FILTERED[stmt] = {}
    twin = twins.get(ids)
    if twin is None:
        if len(twins) > 1_000:
            twins.clear()
        twin = twins[ids] = stmt.options(_criteria(ids))
    return twin


_CRITERIA: dict[tuple, object] = {}


def _criteria(ids: tuple):
    """The tenant filter option for these tenant ids. Building one analyses its lambda, which costs
    more than running a small query, so each is built once and shared (options are immutable)."""
    option = _CRITERIA.get(ids)
    if option is None:
        if len(ids) == 1:  # the common case: a plain equality, cheaper to run than an expanding IN
            only = ids[0]
            option = with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == only, include_aliases=True)
        else:
            option = with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id.in_(ids), include_aliases=True)
        if len(_CRITERIA) > 10_000:
            _CRITERIA.clear()
        _CRITERIA[ids] = option
    return option


@event.listens_for(Session, "before_flush")
def _check_flush(session, _flush_context, _instances):
    if _system.get() or session.info.get("system_scope"):
        return
    tenant_objs = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, TenantScoped)]
    if not tenant_objs:
        return
    ctx = _current.get()
    if ctx is None:
        raise NoTenantContext("tenant write without a context")
    for obj in session.new:
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is None:
                obj.tenant_id = ctx.active
            elif obj.tenant_id != ctx.active:
                raise TenantViolation(f"insert of {type(obj).__name__} into tenant {obj.tenant_id}")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and session.is_modified(obj):
            hist = inspect(obj).attrs.tenant_id.history
            if hist.deleted or obj.tenant_id != ctx.active:
                raise TenantViolation(f"update of {type(obj).__name__} outside the active tenant")
    for obj in session.deleted:
        if isinstance(obj, TenantScoped) and obj.tenant_id != ctx.active:
            raise TenantViolation(f"delete of {type(obj).__name__} outside the active tenant")
