"""Tenant and system scopes for jobs, the CLI and tests (requests set their context themselves)."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import orm, select

from ..db import db
from .context import Grant, TenantContext, _system, reset_context, set_context

log = logging.getLogger(__name__)




def build_context(tenant_id: int, user_id: int | None = None, visible: tuple[int, ...] | None = None,
                  grants: tuple[Grant, ...] = ()) -> TenantContext:
    from ..plugins.manager import hooks_for
    from .models import Tenant
    tenant = db.session.execute(select(Tenant.plugins_rev).where(Tenant.id == tenant_id)).one_or_none()
    rev = tenant[0] if tenant else 0
    from ..plugins.state import running_for
    enabled = running_for(tenant_id, rev)  # a paused plugin's hooks are skipped
    return TenantContext(active=tenant_id, visible=visible or (tenant_id,), user_id=user_id, enabled=enabled,
                         plugins_rev=rev, grants=grants, hooks=hooks_for(enabled))


@contextmanager
def tenant_scope(tenant_id: int, user_id: int | None = None, commit: bool = True, write: bool = True):
    """Run work for one tenant in a fresh unit of work: commit on success, roll back on error.

    Refuses a session that still holds objects: they would be another tenant's, served from the
    identity map without a query the guard could filter.
    """
    from ..db import write_transaction
    session = db.session()
    if session.identity_map:
        raise RuntimeError("tenant_scope needs a session with an empty identity map")
    if session.in_transaction():
        session.rollback()
    wtoken = write_transaction.set(write)
    token = set_context(build_context(tenant_id, user_id))
    old_expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield session
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expunge_all()
        session.expire_on_commit = old_expire
        reset_context(token)
        write_transaction.reset(wtoken)
        from ..plugins.health import flush
        flush()  # hook errors of this unit of work, now that it has ended


@contextmanager
def system_scope(reason: str, read_only: bool = False):
    """Cross-tenant maintenance (tenant registry, demo loading, migrations of data).

    Uses the owner role on PostgreSQL (bypasses RLS) and writes ``platform_audit``. Never used in
    views: the context-hygiene test greps for it. ``read_only`` is for the scheduler's look at what is
    due every few seconds: nothing is written, so there is nothing to audit and no write lock to take
    (the work it then does runs in each tenant's own scope).
    """
    from flask import current_app

    from ..audit.models import PlatformAudit
    from ..db import write_transaction
    url = current_app.config["MIGRATE_DATABASE_URL"]
    engine = _owner_engine(url)
    session = orm.Session(bind=engine, expire_on_commit=False, info={"system_scope": reason})
    stoken = _system.set(reason)
    wtoken = write_transaction.set(not read_only)
    try:
        if read_only:
            yield session
            session.rollback()
            return
        session.add(PlatformAudit(action="system_scope", detail={"reason": reason}))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _system.reset(stoken)
        write_transaction.reset(wtoken)


_engines: dict = {}


def _owner_engine(url: str):
    if url == str(db.engine.url.render_as_string(hide_password=False)):
        return db.engine
    if url not in _engines:
        from flask import current_app
        from sqlalchemy import create_engine

        from ..config import engine_options
        _engines[url] = create_engine(url, **engine_options({**current_app.config, "SQLALCHEMY_DATABASE_URI": url}))
    return _engines[url]


def dispose_owner_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
