"""Small helpers every area uses: the unit a row belongs to, permission on it, local dates."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from core import api
from core.api import Refused, clock, current, db


def unit_of(unit_id: int):
    unit = api.org_unit(unit_id)
    if unit is None:
        raise Refused(_("没有这个单位"))
    return unit


def community_of(unit_id: int | None):
    """The community a unit lies in (the unit itself when it is one; else the nearest above it)."""
    unit = api.org_unit(unit_id)
    if unit is None:
        return None
    if unit.kind == "community":
        return unit
    above = [u for u in api.ancestors(unit) if u.kind == "community"]
    return above[-1] if above else unit


def require(permission: str, unit_id: int) -> None:
    """Refuse unless the user may do ``permission`` on this row's own unit (jobs run as the system)."""
    ctx = current()
    if ctx.user_id is None:
        return
    if not api.can(permission, unit_of(unit_id)):
        raise Refused(_("您没有这个单位的此项权限"))


def require_street(permission: str) -> None:
    """For what belongs to the whole street (its accounting periods): the permission on the root unit."""
    from sqlalchemy import select
    root = db.session.scalar(select(api.OrgUnit.id).where(api.OrgUnit.parent_id.is_(None)).order_by(api.OrgUnit.id))
    if root is None:
        raise Refused(_("没有这个单位"))
    require(permission, root)


def user_id() -> int | None:
    return current().user_id


def today() -> date:
    return clock.utcnow().astimezone(clock.SHANGHAI).date()


def local_date(moment: datetime) -> date:
    return clock.aware(moment).astimezone(clock.SHANGHAI).date()


def flush():
    db.session.flush()


def mask_name(name: str) -> str:
    """张* for two characters, 张*华 for three, first + ** + last for four or more."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if len(name) == 3:
        return name[0] + "*" + name[2]
    return name[0] + "**" + name[-1]
