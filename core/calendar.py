"""The working-day calendar (工作日历): national holidays and 调休 days, tenant overrides, duty hours.

A date's type is resolved in this order: the street's override, the district's override, the
national table (the ``holidays`` package for years it vouches for, plus State Council notices a
platform admin enters), then the weekday default. A year with no vouched national data is
*provisional*: deadlines in it are computed on weekdays and say so.

Every deadline explains itself ("2 个工作日，自 4月30日 周四 16:00 起；5月1日–5月5日 放假；截止 5月7日 周四 16:00").
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays
from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .db import BigId, db, utc_default

WEEKDAYS_ZH = "一二三四五六日"
DUTY_PERIODS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
UNITS = ("minute", "hour", "working_hour", "working_day", "day")


class CalendarDay(db.Model):
    """A national holiday or 调休 working day from a State Council notice."""

    __tablename__ = "calendar_day"
    #: global: one calendar for the country, entered by a platform admin the day a notice is published.
    __tenancy__ = "global"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    day_type: Mapped[str] = mapped_column(String(16))  # holiday | makeup_workday
    name: Mapped[str] = mapped_column(String(64), default="")
    notice_ref: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class CalendarOverride(db.Model):
    """A tenant's own change to one day (a local holiday, an extra working day)."""

    __tablename__ = "calendar_override"
    #: global, keyed by tenant: streets read their district's overrides; written only by core.calendar.
    __tenancy__ = "global"
    __table_args__ = (UniqueConstraint("tenant_id", "day"), Index("ix_calendar_override_tenant_day", "tenant_id", "day"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"))
    day: Mapped[date] = mapped_column(Date)
    day_type: Mapped[str] = mapped_column(String(16))  # holiday | workday
    reason: Mapped[str] = mapped_column(String(200), default="")


@functools.cache
def _package_years() -> frozenset[int]:
    """Years the ``holidays`` package vouches for: those with 调休 data (substituted days)."""
    cn = holidays.China(years=range(2008, 2101))
    return frozenset(d.year for d in cn.weekend_workdays)


@functools.cache
def _package_calendar() -> holidays.HolidayBase:
    return holidays.China(years=range(2008, 2101))


@dataclass
class Deadline:
    due: datetime  # aware, UTC
    start: datetime
    value: float
    unit: str
    complete: bool = True
    #: the start moved into the next duty period, when it fell outside one
    counted_from: datetime | None = None
    #: dates skipped or counted, with the reason, for "为什么是这个时间"
    steps: list[tuple[str, str]] = field(default_factory=list)

    def explain(self) -> str:
        start = self.start.astimezone(clock.SHANGHAI)
        due = self.due.astimezone(clock.SHANGHAI)
        unit = {"working_day": "个工作日", "working_hour": "个工作小时", "hour": "小时", "minute": "分钟", "day": "天"}[self.unit]
        value = int(self.value) if float(self.value).is_integer() else self.value
        parts = [f"{value} {unit}，自 {_fmt(start)} 起"]
        if self.counted_from is not None and self.counted_from != self.start:
            parts.append(f"非工作时间提交，从 {_fmt(self.counted_from.astimezone(clock.SHANGHAI))} 起算")
        parts += [f"{label}{reason}" for label, reason in _ranges(self.steps)]
        parts.append(f"截止 {_fmt(due)}")
        if not self.complete:
            parts.append("（该年度放假安排尚未公布，暂按周一至周五计算）")
        return "；".join(parts)

    def as_json(self) -> dict:
        return {"start": self.start.isoformat(), "due": self.due.isoformat(),
                "counted_from": self.counted_from.isoformat() if self.counted_from else None, "value": self.value, "unit": self.unit,
                "complete": self.complete, "steps": self.steps, "text": self.explain()}


def _fmt(value: datetime) -> str:
    return f"{value.year}年{value.month}月{value.day}日 周{WEEKDAYS_ZH[value.weekday()]} {value:%H:%M}"


def _ranges(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join consecutive skipped days into one span: 5月1日–5月5日 放假 (the weekend inside included).

    Spans made only of ordinary weekends are left out: nobody needs those explained.
    """
    out: list[list] = []
    for iso, reason in steps:
        d = date.fromisoformat(iso)
        if out and out[-1][1] + timedelta(days=1) == d and "周末" in (reason, out[-1][2]) or (
                out and out[-1][1] + timedelta(days=1) == d and out[-1][2] == reason):
            out[-1][1] = d
            if out[-1][2] == "周末":
                out[-1][2] = reason
        else:
            out.append([d, d, reason])
    return [((f"{a.month}月{a.day}日" + (f"–{b.month}月{b.day}日" if b != a else "") + " "), r)
            for a, b, r in out if r != "周末"]


class WorkCalendar:
    """The calendar in force for one tenant (its overrides, then its district's, then national)."""

    def __init__(self, tenant_ids: tuple[int, ...] = ()):
        self.tenant_ids = tenant_ids  # street first, then district
        self._overrides: dict[date, tuple[str, str]] | None = None
        self._notices: dict[date, tuple[str, str]] | None = None

    @classmethod
    def for_tenant(cls, tenant) -> "WorkCalendar":
        return cls(tuple(t for t in (tenant.id, tenant.parent_id) if t))

    def _load(self) -> None:
        if self._overrides is not None:
            return
        self._overrides, self._notices = {}, {}
        if self.tenant_ids:
            rows = db.session.execute(select(CalendarOverride.tenant_id, CalendarOverride.day, CalendarOverride.day_type,
                                             CalendarOverride.reason).where(CalendarOverride.tenant_id.in_(self.tenant_ids)))
            rank = {t: i for i, t in enumerate(self.tenant_ids)}
            for tenant_id, day, day_type, reason in sorted(rows, key=lambda r: -rank[r[0]]):
                self._overrides[day] = (day_type, reason or "本单位调整")
        for day, day_type, name in db.session.execute(select(CalendarDay.day, CalendarDay.day_type, CalendarDay.name)):
            self._notices[day] = (day_type, name)

    def complete(self, year: int) -> bool:
        self._load()
        return year in _package_years() or any(d.year == year for d in self._notices)

    def day(self, d: date) -> tuple[bool, str]:
        """Whether ``d`` is a working day, and why (empty reason for an ordinary day)."""
        self._load()
        if d in self._overrides:
            kind, reason = self._overrides[d]
            return kind == "workday", reason
        if d in self._notices:
            kind, name = self._notices[d]
            return kind == "makeup_workday", ("调休上班" if kind == "makeup_workday" else f"{name or '法定节假日'}放假")
        if d.year in _package_years():
            cn = _package_calendar()
            if d in cn.weekend_workdays:
                return True, "调休上班"
            if d in cn:
                return False, "放假"
        return d.weekday() < 5, ("" if d.weekday() < 5 else "周末")

    def is_working(self, d: date) -> bool:
        return self.day(d)[0]

    # --- deadlines -----------------------------------------------------------------------------

    def add(self, start: datetime, value: float, unit: str) -> Deadline:
        """The deadline ``value`` ``unit`` after ``start`` (aware), with its explanation."""
        start = clock.aware(start)
        if unit == "minute":
            return Deadline(start + timedelta(minutes=value), start, value, unit)
        if unit == "hour":
            return Deadline(start + timedelta(hours=value), start, value, unit)
        if unit == "day":
            return Deadline(start + timedelta(days=value), start, value, unit)
        if unit == "working_day":
            return self._working_days(start, int(value))
        if unit == "working_hour":
            return self._working_minutes(start, int(round(value * 60)))
        raise ValueError(f"unknown unit {unit}")

    def _normalise(self, local: datetime, steps: list) -> datetime:
        """Inside a duty period on a working day, or else the start of the next one."""
        d = local.date()
        while True:
            working, reason = self.day(d)
            if working:
                for begin, end in DUTY_PERIODS:
                    b = datetime.combine(d, begin, tzinfo=clock.SHANGHAI)
                    e = datetime.combine(d, end, tzinfo=clock.SHANGHAI)
                    if local < e:
                        return max(local, b)
            elif reason:
                steps.append((d.isoformat(), reason))
            d += timedelta(days=1)
            local = datetime.combine(d, time.min, tzinfo=clock.SHANGHAI)

    def _working_days(self, start: datetime, n: int) -> Deadline:
        steps: list[tuple[str, str]] = []
        local = self._normalise(start.astimezone(clock.SHANGHAI), steps)
        complete = self.complete(local.year)
        d = local.date()
        counted = 0
        while counted < n:
            d += timedelta(days=1)
            working, reason = self.day(d)
            complete = complete and self.complete(d.year)
            if working:
                counted += 1
                if reason:  # a 调休 working weekend is worth saying
                    steps.append((d.isoformat(), reason))
            elif reason:
                steps.append((d.isoformat(), reason))
        first, last = DUTY_PERIODS[0][0], DUTY_PERIODS[-1][1]
        clamped = min(max(local.time(), first), last)
        due = datetime.combine(d, clamped, tzinfo=clock.SHANGHAI)
        return Deadline(due.astimezone(clock.timezone_utc()), start, n, "working_day", complete,
                        counted_from=local, steps=steps)

    def _working_minutes(self, start: datetime, minutes: int) -> Deadline:
        steps: list[tuple[str, str]] = []
        local = self._normalise(start.astimezone(clock.SHANGHAI), steps)
        counted_from = local
        complete = self.complete(local.year)
        remaining = minutes
        while True:
            d = local.date()
            for begin, end in DUTY_PERIODS:
                e = datetime.combine(d, end, tzinfo=clock.SHANGHAI)
                b = datetime.combine(d, begin, tzinfo=clock.SHANGHAI)
                if local >= e:
                    continue
                local = max(local, b)
                available = int((e - local).total_seconds() // 60)
                if remaining <= available:
                    due = local + timedelta(minutes=remaining)
                    return Deadline(due.astimezone(clock.timezone_utc()), start, minutes / 60, "working_hour",
                                    complete, counted_from=counted_from, steps=steps)
                remaining -= available
                local = e
            local = self._normalise(datetime.combine(d + timedelta(days=1), time.min, tzinfo=clock.SHANGHAI), steps)
            complete = complete and self.complete(local.year)


def load_notice(year: int, holidays_: list[tuple[date, str]], workdays: list[date], notice_ref: str) -> int:
    """Store a State Council notice for ``year`` (replacing an earlier entry of that year)."""
    from sqlalchemy import delete
    db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))
    for d, name in holidays_:
        db.session.add(CalendarDay(day=d, day_type="holiday", name=name, notice_ref=notice_ref))
    for d in workdays:
        db.session.add(CalendarDay(day=d, day_type="makeup_workday", name="调休", notice_ref=notice_ref))
    db.session.flush()
    return len(holidays_) + len(workdays)
