"""L3: an event goes beyond the street only through an explicit share with a district department
(docs/grid.md §5). The event stays in the street; the district reads it read-only while the
share stands, and every such read is written to the street's own audit log, so the street can
always answer "who at the district looked at our case"."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core.api import KeysetPage, audit, clock, current, db, emit, keyset_page, lock_for_update

from . import events as ev
from .machine import TERMINAL, Refused
from .models import GridEvent, Share, Transition
from .rows import load_for_update

L3 = 3


def live_share(event_id: int) -> Share | None:
    return db.session.scalars(select(Share).where(Share.event_id == event_id, Share.withdrawn_at.is_(None))).first()


def share(event: GridEvent, department: str, reason: str) -> Share:
    """Share a locked, open event with a district department; its level becomes L3 for statistics."""
    if event.state in TERMINAL:
        raise Refused(_("已办结的事件不能共享给区级部门"))
    existing = live_share(event.id)
    if existing is not None:
        raise Refused(_("该事件已共享给%(d)s，请先撤回", d=existing.department))
    ctx = current()
    row = Share(event_id=event.id, department=department, reason=reason, level_before=event.level,
                shared_by=ctx.user_id, shared_at=clock.utcnow())
    db.session.add(row)
    event.level, event.max_level = L3, L3
    event.version += 1
    db.session.flush()
    _log(event, "L3", "share", reason, {"department": department, "share_id": row.id})
    audit.record("grid.share", "grid_event", event.id, share_id=row.id, department=department)
    emit(ev.EventEscalated(event_id=event.id, level=L3, rule="L3"))
    db.session.flush()
    return row


def withdraw(share_id: int, reason: str) -> Share:
    """End a share (recorded): the district no longer sees the event, which returns to its level."""
    row = db.session.scalars(lock_for_update(select(Share).where(Share.id == share_id))).first()
    if row is None:
        raise LookupError(share_id)
    if row.withdrawn_at is not None:
        raise Refused(_("该共享已撤回"))
    event = load_for_update(row.event_id, None)
    ctx = current()
    row.withdrawn_at, row.withdrawn_by, row.withdraw_reason = clock.utcnow(), ctx.user_id, reason
    if event.level == L3:
        event.level = row.level_before
    event.version += 1
    _log(event, "L3-OFF", "unshare", reason, {"department": row.department, "share_id": row.id})
    audit.record("grid.unshare", "grid_event", event.id, share_id=row.id, department=row.department)
    db.session.flush()
    return row


def _log(event, code, action, reason, payload) -> None:
    db.session.add(Transition(event_id=event.id, code=code, action=action, from_state=event.state,
                              to_state=event.state, actor_id=current().user_id, reason=reason, payload=payload))


def shared_with_district(department: str | None = None, share_id: int | None = None, after: str | None = None,
                         limit: int = 500) -> KeysetPage:
    """(share, event) pairs still shared, from the streets a ``district_rollup`` view made visible, newest
    first, one page of ``limit`` after the cursor ``after``. Withdrawn shares and events never shared are
    not there at all."""
    stmt = (select(Share, GridEvent).join(GridEvent, (GridEvent.id == Share.event_id)
                                          & (GridEvent.tenant_id == Share.tenant_id))
            .where(Share.withdrawn_at.is_(None), Share.tenant_id != current().active))
    if department:
        stmt = stmt.where(Share.department == department)
    if share_id is not None:
        stmt = stmt.where(Share.id == share_id)
    return keyset_page(stmt, (Share.shared_at.desc(), Share.id.desc()), after, limit, scalars=False,
                       key_of=lambda row: (row.Share.shared_at, row.Share.id))



def departments_shared() -> list[str]:
    """The departments that hold live shares from the visible streets, for the filter."""
    return list(db.session.scalars(select(Share.department).distinct().where(
        Share.withdrawn_at.is_(None), Share.tenant_id != current().active).order_by(Share.department)))

def audit_street_reads(district_slug: str, endpoint: str, events: list[GridEvent]) -> None:
    """Write one row per owning street into that street's audit log, naming the events read.

    A district view may write only to its own tenant; this is the one deliberate exception, made
    through core's audited write into another tenant's log.
    """
    ctx = current()
    by_street: dict[int, list[GridEvent]] = {}
    for event in events:
        if event.tenant_id not in ctx.visible or event.tenant_id == ctx.active:
            raise PermissionError(event.tenant_id)  # never a street outside this district rollup
        by_street.setdefault(event.tenant_id, []).append(event)
    for street_id, rows in by_street.items():
        audit.record_in(street_id, "grid.district_read", "grid_event", rows[0].id if len(rows) == 1 else None,
                        district=district_slug, endpoint=endpoint, events=[e.ref_no for e in rows])
