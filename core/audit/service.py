"""Write audit rows: ids and codes only, never personal values, chained per tenant by hash."""
from __future__ import annotations

import hashlib
import json

from flask import g, has_request_context, request
from sqlalchemy import select, text

from ..db import db
from ..tenancy.context import current
from .models import AuditLog, PlatformAudit


def record(action: str, object_type: str | None = None, object_id=None, outcome: str = "ok", **detail) -> AuditLog:
    """Add one audit row in the active tenant (flushes only)."""
    ctx = current()
    if db.session.get_bind().dialect.name == "postgresql":  # one writer per tenant chain at a time
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_000_000_000 + ctx.active})
    prev = db.session.scalar(select(AuditLog.row_hash).where(AuditLog.tenant_id == ctx.active)
                             .order_by(AuditLog.id.desc()).limit(1))
    row = AuditLog(tenant_id=ctx.active, actor_id=ctx.user_id, action=action, object_type=object_type,
                   object_id=None if object_id is None else str(object_id), outcome=outcome,
                   request_id=getattr(g, "request_id", None) if has_request_context() else None,
                   ip=request.remote_addr if has_request_context() else None, detail=detail, prev_hash=prev)
    row.row_hash = _digest(row)
    db.session.add(row)
    db.session.flush()
    return row


def _digest(row: AuditLog) -> str:
    body = json.dumps([row.prev_hash, row.tenant_id, row.actor_id, row.action, row.object_type, row.object_id,
                       row.outcome, row.detail], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def record_platform(action: str, tenant_id: int | None = None, session=None, **detail) -> None:
    actor = getattr(g, "user", None) if has_request_context() else None
    (session or db.session).add(PlatformAudit(action=action, tenant_id=tenant_id,
                                              actor_id=actor.id if actor else None, detail=detail))




def verify_chain(tenant_id: int) -> tuple[bool, int | None]:
    """Recompute the tenant's hash chain; (True, None) when intact, else (False, first bad row id).

    Rows hold ids and codes, never personal values, so erasing a person never breaks the chain.
    """
    prev = None
    for row in db.session.scalars(select(AuditLog).where(AuditLog.tenant_id == tenant_id).order_by(AuditLog.id)):
        if row.row_hash is None:  # rows written outside the service (bulk loads) are not chained
            continue
        if row.prev_hash != prev or _digest(row) != row.row_hash:
            return False, row.id
        prev = row.row_hash
    return True, None


def record_in(tenant_id: int, action: str, object_type: str | None = None, object_id=None, outcome: str = "ok",
              **detail) -> AuditLog:
    """Add one audit row to another tenant's log, in this unit of work: a district's read of a
    street's shared case belongs in the street's log, where the street can see who looked."""
    from ..tenancy.services import acting_in
    with acting_in(tenant_id, current().user_id):
        return record(action, object_type, object_id, outcome, **detail)


def history(actions, object_type: str | None = None, object_id=None, limit: int = 50) -> list[AuditLog]:
    """The tenant's latest audit rows for these actions (and object), newest first: pages that
    show a record's own history read it here."""
    stmt = select(AuditLog).where(AuditLog.action.in_(tuple(actions)))
    if object_type is not None:
        stmt = stmt.where(AuditLog.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditLog.object_id == str(object_id))
    return list(db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)))
