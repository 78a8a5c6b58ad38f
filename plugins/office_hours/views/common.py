"""What every office-hours view shares: the studios a user may see, permission on a row's own unit,
and the label tables."""
from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import api
from core.api import db

from ..models import Reception, Studio

KIND_LABELS = {"party_congress": _l("党代表"), "peoples_congress": _l("人大代表"), "cppcc": _l("政协委员")}
LEVEL_LABELS = {"district": _l("区级"), "city": _l("市级"), "province": _l("省级"), "national": _l("全国")}
POLICY_LABELS = {"next_working_day": _l("顺延到下一个工作日"), "skip": _l("取消当次"), "keep": _l("照常接待")}
RECEPTION_STATES = {"planned": _l("计划中"), "announced": _l("已发布"), "open": _l("接待中"), "held": _l("已接待"),
                    "closed": _l("已归档"), "cancelled": _l("已取消"), "rescheduled": _l("已改期")}
BOOKING_STATES = {"held": _l("待确认"), "confirmed": _l("已确认"), "checked_in": _l("已签到"), "served": _l("已接待"),
                  "cancelled": _l("已取消"), "cancelled_by_staff": _l("工作室取消"), "expired": _l("已过期"),
                  "no_show": _l("爽约")}


def studios(permission: str = "office_hours.view", serving: bool = False) -> list[Studio]:
    """Studios in the units where the user holds ``permission``; with ``serving``, also the studios
    above them (a resident of a grid books at the community's and the street's studios)."""
    q = select(Studio).order_by(Studio.name, Studio.id)
    within = api.units_serving(permission) if serving else api.units_within(permission)
    if within is not None:
        q = q.where(Studio.org_unit_id.in_(within))
    return list(db.session.scalars(q))


def require_on(permission: str, studio_id: int) -> Studio:
    """The studio, if the user holds ``permission`` on its own unit; else 403."""
    studio = api.get_or_404(Studio, studio_id)
    unit = api.org_unit(studio.org_unit_id)
    if unit is None or not api.can(permission, unit):
        abort(403)
    return studio


def bookable(reception: Reception) -> Studio | None:
    """The reception's studio if it serves the user for booking (on, above or below their unit)."""
    studio = db.session.get(Studio, reception.studio_id)
    unit = api.org_unit(studio.org_unit_id)
    return studio if unit is not None and api.serves("office_hours.book", unit) else None


def reception_for(permission: str, reception_id: int) -> tuple[Reception, Studio]:
    r = api.get_or_404(Reception, reception_id)
    return r, require_on(permission, r.studio_id)


def holder_key() -> str:
    return f"u{api.current().user_id}"


def labels() -> dict:
    return {"kinds": KIND_LABELS, "levels": LEVEL_LABELS, "policies": POLICY_LABELS,
            "rstates": RECEPTION_STATES, "bstates": BOOKING_STATES}
