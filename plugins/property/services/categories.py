"""The default ticket categories with the time limits of spec §4 (a tenant may change them later)."""
from __future__ import annotations

from sqlalchemy import select

from core.api import db

from ..models import TicketCategory

#: code, name, area, emergency, response, on site, completion, counts for the assessment
DEFAULTS = (
    ("EMERGENCY", "紧急抢修（爆管、停电、电梯困人）", "public", True, (15, "minute"), (1, "hour"), (24, "hour"), True),
    ("LIGHTING", "公共照明", "public", False, (2, "working_hour"), None, (3, "working_day"), True),
    ("FACILITY", "公共设施维修", "public", False, (2, "working_hour"), None, (3, "working_day"), True),
    ("CLEANING", "环境卫生", "public", False, (2, "working_hour"), None, (2, "working_day"), True),
    ("GREENING", "绿化养护", "public", False, (2, "working_hour"), None, (5, "working_day"), True),
    ("COMPLAINT", "服务投诉", "public", False, (2, "working_hour"), None, (3, "working_day"), True),
    ("IN_HOME", "户内有偿维修", "in_home", False, (1, "working_day"), None, (5, "working_day"), False),
    ("WARRANTY", "保修期内维修", "in_home", False, (1, "working_day"), None, (15, "working_day"), False),
)


def seed() -> int:
    have = set(db.session.scalars(select(TicketCategory.code)))
    n = 0
    for code, name, area, emergency, response, onsite, complete, counts in DEFAULTS:
        if code in have:
            continue
        db.session.add(TicketCategory(code=code, name=name, area=area, emergency=emergency,
                                      response_value=response[0], response_unit=response[1],
                                      onsite_value=onsite[0] if onsite else None, onsite_unit=onsite[1] if onsite else None,
                                      complete_value=complete[0], complete_unit=complete[1],
                                      counts_for_assessment=counts))
        n += 1
    db.session.flush()
    return n
