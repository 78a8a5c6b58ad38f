"""Emergency mode (docs/grid.md §10): route notes on patrols are recorded only while a named,
approved emergency runs for at most seven days, and are purged after its retention period."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from core.api import audit, clock, current, db

from .machine import Refused
from .models import EmergencyMode, Patrol

MAX_DAYS = 7


def active_for(grid_id: int) -> EmergencyMode | None:
    now = clock.utcnow()
    for mode in db.session.scalars(select(EmergencyMode).where(EmergencyMode.starts_at <= now,
                                                               EmergencyMode.ends_at > now)):
        if grid_id in (mode.grid_ids or []):
            return mode
    return None


def start(task_name: str, reason: str, grid_ids: list[int], days: int, retention_days: int = 30) -> EmergencyMode:
    if not task_name.strip() or not reason.strip():
        raise Refused(_("应急模式须写明任务名称和原因"))
    if not 1 <= days <= MAX_DAYS:
        raise Refused(_("应急模式最长 %(n)s 天，到期可说明理由再续", n=MAX_DAYS))
    if not grid_ids:
        raise Refused(_("请选择应急模式覆盖的网格"))
    now = clock.utcnow()
    mode = EmergencyMode(task_name=task_name.strip()[:100], reason=reason.strip(), grid_ids=sorted(set(grid_ids)),
                         starts_at=now, ends_at=now + timedelta(days=days), retention_days=retention_days,
                         approved_by=current().user_id)
    db.session.add(mode)
    db.session.flush()
    audit.record("grid.emergency_start", "emergency_mode", mode.id, grids=len(mode.grid_ids), days=days)
    return mode


def end(mode: EmergencyMode) -> None:
    now = clock.utcnow()
    if clock.aware(mode.ends_at) > now:
        mode.ends_at = now
        audit.record("grid.emergency_end", "emergency_mode", mode.id)
        db.session.flush()


def purge_expired(ctx=None) -> int:
    """Delete route notes of emergencies whose retention has run out (a scheduled job)."""
    now = clock.utcnow()
    done = 0
    for mode in db.session.scalars(select(EmergencyMode).where(EmergencyMode.purged_at.is_(None))):
        if clock.aware(mode.ends_at) + timedelta(days=mode.retention_days) <= now:
            db.session.execute(update(Patrol).where(Patrol.emergency_id == mode.id).values(route=None)
                               .execution_options(synchronize_session=False))
            mode.purged_at = now
            done += 1
    db.session.flush()
    return done
