"""Say a repeat rule (RFC 5545 RRULE) the way staff say it: "每月第二个周二", not FREQ=MONTHLY;….

Only the parts the series form offers are described (FREQ, INTERVAL, BYDAY with or without an
ordinal, BYSETPOS, BYMONTHDAY, COUNT, UNTIL); anything else returns None and the page shows the
rule itself, so nothing is ever described wrongly.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _, lazy_gettext as _l

WEEKDAYS = {"MO": _l("周一"), "TU": _l("周二"), "WE": _l("周三"), "TH": _l("周四"), "FR": _l("周五"),
            "SA": _l("周六"), "SU": _l("周日")}
ORDINALS = {1: _l("第一个"), 2: _l("第二个"), 3: _l("第三个"), 4: _l("第四个"), 5: _l("第五个"), -1: _l("最后一个"),
            -2: _l("倒数第二个")}
_DAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")
_KNOWN = {"FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}


def _days(byday: str, setpos: int | None) -> str | None:
    parts = []
    for token in byday.split(","):
        m = _DAY.match(token.strip())
        if not m:
            return None
        n = int(m.group(1)) if m.group(1) else setpos
        if n is not None and n not in ORDINALS:
            return None
        parts.append(f"{ORDINALS[n]}{WEEKDAYS[m.group(2)]}" if n is not None else str(WEEKDAYS[m.group(2)]))
    return "、".join(parts)


def describe(rule: str) -> str | None:
    """Chinese (or English) words for ``rule``, or None when it uses parts this does not describe."""
    try:
        fields = dict(p.split("=", 1) for p in rule.strip().removeprefix("RRULE:").split(";") if p)
    except ValueError:
        return None
    if not fields.keys() <= _KNOWN or "FREQ" not in fields:
        return None
    try:
        interval = int(fields.get("INTERVAL", "1"))
        setpos = int(fields["BYSETPOS"]) if "BYSETPOS" in fields else None
    except ValueError:
        return None
    freq = fields["FREQ"]
    days = _days(fields["BYDAY"], setpos if freq == "MONTHLY" else None) if "BYDAY" in fields else ""
    if days is None:
        return None
    if freq == "WEEKLY":
        text = (_("每周%(days)s", days=days) if interval == 1
                else _("每%(n)s周的%(days)s", n=interval, days=days)) if days else _("每周")
    elif freq == "MONTHLY":
        if "BYMONTHDAY" in fields:
            on = _("%(d)s日", d=fields["BYMONTHDAY"].replace(",", "、"))
        elif days:
            on = days
        else:
            return None
        text = _("每月%(on)s", on=on) if interval == 1 else _("每%(n)s个月的%(on)s", n=interval, on=on)
    elif freq == "DAILY" and not days:
        text = _("每天") if interval == 1 else _("每%(n)s天", n=interval)
    else:
        return None
    if "COUNT" in fields:
        text += _("，共%(n)s次", n=fields["COUNT"])
    if "UNTIL" in fields:
        until = fields["UNTIL"][:8]
        text += _("，至%(date)s", date=f"{until[:4]}-{until[4:6]}-{until[6:8]}")
    return text
