"""Frozen monthly figures (docs/grid.md §6): a month is frozen one working day after it ends; a
later change is published only as a restatement with its reason, never by rewriting."""
from __future__ import annotations

import calendar as pycal
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from core.api import audit, clock, current, db

from . import stats
from .deadlines import calendar
from .machine import Refused
from .models import KpiSnapshot


def month_bounds(period: str) -> tuple[date, date]:
    year, month = (int(x) for x in period.split("-"))
    return date(year, month, 1), date(year, month, pycal.monthrange(year, month)[1])


def freeze_due(now=None) -> list[str]:
    """Freeze every finished month of the last year that is past its lag and not frozen yet."""
    now = now or clock.utcnow()
    today = now.astimezone(clock.SHANGHAI).date()
    done = []
    have = set(db.session.scalars(select(KpiSnapshot.period).distinct()))
    cal = calendar()
    for back in range(1, 13):
        y, m = today.year, today.month - back
        while m <= 0:
            y, m = y - 1, m + 12
        period = f"{y:04d}-{m:02d}"
        if period in have:
            continue
        _start, end = month_bounds(period)
        lag = cal.add(datetime.combine(end, time(17, 30), tzinfo=clock.SHANGHAI), 1, "working_day").due
        if now < lag:
            continue
        _write(period, None, None)
        done.append(period)
    db.session.flush()
    return done


def _write(period: str, reason: str | None, previous: dict | None) -> list[KpiSnapshot]:
    start, end = month_bounds(period)
    rows = []
    for k in stats.kpis(start, end):
        row = KpiSnapshot(period=period, metric=k.key, numerator=k.numerator, denominator=k.denominator,
                          restates_id=(previous or {}).get(k.key), reason=reason, actor_id=current().user_id)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def current_rows(period: str) -> dict[str, KpiSnapshot]:
    """The figures in force for a frozen month: the latest restatement of each metric."""
    out: dict[str, KpiSnapshot] = {}
    for row in db.session.scalars(select(KpiSnapshot).where(KpiSnapshot.period == period).order_by(KpiSnapshot.id)):
        out[row.metric] = row
    return out


def restate(period: str, reason: str) -> list[KpiSnapshot]:
    """Publish corrected figures for a frozen month, each pointing at the figure it replaces."""
    if not reason.strip():
        raise Refused(_("更正须写明原因"))
    old = current_rows(period)
    if not old:
        raise Refused(_("该月尚未冻结，无需更正"))
    rows = _write(period, reason.strip()[:500], {m: r.id for m, r in old.items()})
    audit.record("grid.kpi_restate", "kpi_snapshot", period, reason=reason.strip()[:200])
    return rows


def history(period: str) -> list[KpiSnapshot]:
    return list(db.session.scalars(select(KpiSnapshot).where(KpiSnapshot.period == period,
                                                             KpiSnapshot.restates_id.is_not(None))
                                   .order_by(KpiSnapshot.id)))
