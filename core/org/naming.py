"""Names a person can tell apart: a grid is shown with its community (靠山社区·第1网格), and lists of org units
sort the way people count (1栋, 2栋 … 10栋; 第一网格 … 第十网格), not by code points.

Built here once; plugins use them through ``core.api`` (``unit_label``, ``unit_labels``, ``label_beside_parent``,
``natural_key``)."""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from ..db import db
from .models import OrgUnit

#: kinds shown with their community: a grid name ("第1网格") repeats in every community
WITH_COMMUNITY = frozenset({"grid"})
SEPARATOR = "·"

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"\d+|[零〇一二两三四五六七八九十百]+")


def _chinese(text: str) -> int | None:
    """一 … 九百九十九 as a number (十一 = 11, 二十 = 20, 一百零五 = 105); None when it is not one."""
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif ch == "百":
            if digit is None:
                return None
            total += digit * 100
            digit = None
    return total + (digit or 0)


def natural_key(name: str | None) -> tuple:
    """A sort key that orders numbers inside names by value: 2栋 before 10栋, 第九网格 before 第十网格."""
    name = name or ""
    parts: list = []
    pos = 0
    for match in _NUMBER.finditer(name):
        text = match.group()
        value = int(text) if text.isdigit() else _chinese(text)
        if value is None:
            continue
        parts.append((0, name[pos:match.start()]))
        parts.append((1, value))
        pos = match.end()
    parts.append((0, name[pos:]))
    return tuple(parts)


def unit_labels(units: Iterable[OrgUnit]) -> dict[int, str]:
    """Each unit's display name by id: a grid as 社区·网格, other units by their own name (one query)."""
    units = list(units)
    wanted = {int(part) for u in units if u.kind in WITH_COMMUNITY for part in (u.path or "").strip("/").split("/")
              if part.isdigit() and int(part) != u.id}
    communities = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_(wanted), OrgUnit.kind == "community")).all()) if wanted else {}
    out = {}
    for unit in units:
        community = None
        if unit.kind in WITH_COMMUNITY:
            ids = [int(p) for p in (unit.path or "").strip("/").split("/") if p.isdigit()]
            community = next((communities[i] for i in reversed(ids) if i in communities), None)
        out[unit.id] = f"{community}{SEPARATOR}{unit.name}" if community else unit.name
    return out


def label_beside_parent(kind: str | None, name: str | None, parent_kind: str | None, parent_name: str | None) -> str | None:
    """A unit's display name from the unit and its parent, for a list that joined the parent in: the
    same name ``unit_labels`` gives, without its queries. None when the parent does not settle it (a
    grid whose community is further up): ask ``unit_labels`` for those."""
    if kind not in WITH_COMMUNITY:
        return name or ""
    if parent_kind == "community":
        return f"{parent_name}{SEPARATOR}{name}"
    return None


def unit_label(unit: OrgUnit | None) -> str:
    """One unit's display name (see ``unit_labels``); '' for None."""
    return "" if unit is None else unit_labels([unit])[unit.id]


def label_key(label: str) -> tuple:
    """Sort key of a display name: community first, then the unit, each naturally."""
    return tuple(natural_key(part) for part in label.split(SEPARATOR))
