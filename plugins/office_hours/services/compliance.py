"""The monthly rule (每月至少开展1次接待), per studio and calendar month in Asia/Shanghai: held or
closed receptions count, zero-visitor ones count but are flagged, cancelled ones never count."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from core.api import clock, db

from ..models import Reception, Studio

COUNTS = ("held", "closed")


@dataclass
class Month:
    studio_id: int
    year: int
    month: int
    held: int = 0
    zero: int = 0
    late: int = 0
    announced: int = 0
    cancelled: int = 0
    #: kept, kept_no_visitors, missed, at_risk, pending
    status: str = "pending"
    days: dict = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        return self.held > 0


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def status_of(m: Month, today: date, risk_day: int = 20) -> str:
    if m.held:
        return "kept_no_visitors" if m.zero == m.held else "kept"
    if (m.year, m.month) < (today.year, today.month):
        return "missed"
    if (m.year, m.month) == (today.year, today.month) and today.day >= risk_day and not m.announced:
        return "at_risk"
    return "pending"


def table(studios: list[Studio], start: date, end: date, today: date | None = None,
          risk_day: int = 20) -> dict[int, list[Month]]:
    """studio id → its months from ``compliance_from`` (or ``start``) to ``end``: one grouped query."""
    today = today or clock.local(clock.utcnow()).date()
    ids = [s.id for s in studios]
    grid: dict[tuple[int, int, int], Month] = {}
    for s in studios:
        for y, m in months_between(max(start, s.compliance_from), end):
            grid[(s.id, y, m)] = Month(s.id, y, m)
    if ids:
        lo = datetime(start.year, start.month, 1, tzinfo=clock.SHANGHAI)
        rows = db.session.execute(select(Reception.studio_id, Reception.starts_at, Reception.state,
                                         Reception.zero_visitors, Reception.late_announcement)
                                  .where(Reception.studio_id.in_(ids), Reception.starts_at >= lo))
        for studio_id, starts_at, state, zero, late in rows:
            local = clock.local(starts_at)
            m = grid.get((studio_id, local.year, local.month))
            if m is None:
                continue
            if state in COUNTS:
                m.held += 1
                m.zero += bool(zero and state == "closed")
                m.late += bool(late)
            elif state == "cancelled":
                m.cancelled += 1
            if state in ("announced", "open", "held", "closed"):
                m.announced += 1
            m.days.setdefault(local.day, []).append(state)
    out: dict[int, list[Month]] = {s.id: [] for s in studios}
    for (sid, _y, _m), month in sorted(grid.items()):
        month.status = status_of(month, today, risk_day)
        out[sid].append(month)
    return out


def summary(studios: list[Studio], start: date, end: date) -> dict:
    """The figures the compliance command prints (required = one per studio-month)."""
    t = table(studios, start, end)
    months = [m for ms in t.values() for m in ms]
    return {"studios": len(studios), "months": len(months_between(start, end)),
            "required": len(months), "held": sum(m.held for m in months),
            "kept": sum(m.kept for m in months), "missed": sum(not m.kept for m in months),
            "zero_visitor_receptions": sum(m.zero for m in months),
            "months_kept_with_no_visitors": sum(m.status == "kept_no_visitors" for m in months),
            "late_announcements": sum(m.late for m in months),
            "all_kept": all(m.kept for m in months)}


def held_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Reception).where(Reception.state.in_(COUNTS)))
