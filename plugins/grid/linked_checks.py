"""Who may check an event made from a property escalation (docs/grid.md, property): never an account the
company employs, and only a grid worker of the compound's grid. Apart from ``linked`` because the
checker assignment in ``authority`` asks it, while ``linked`` uses ``authority``."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import db

from .models import GridEvent, Transition

SOURCE = "PROPERTY"


def origin_of(event: GridEvent) -> dict:
    if event.source != SOURCE:
        return {}
    payload = db.session.scalar(select(Transition.payload).where(Transition.event_id == event.id,
                                                                 Transition.code == "T1").limit(1))
    return (payload or {}).get("from") or {}


def excluded_checkers(event: GridEvent) -> set[int]:
    return set(origin_of(event).get("excluded_checkers") or [])


def conflict(event: GridEvent, user_id: int | None) -> str | None:
    """Why this user may not check a property escalation: employed by the company, or not a grid worker
    of the compound's grid."""
    if event.source != SOURCE or user_id is None:
        return None
    if user_id in excluded_checkers(event):
        return _("物业企业的员工不能核查本企业的工作")
    if event.grid_id is not None:
        grid = api.org_unit(event.grid_id)
        if grid is not None and user_id not in api.users_holding("grid.event.check", grid, inside=True):
            return _("物业督办事件须由小区所在网格的网格员核查")
    return None
