"""One place that says what time it is, so tests can move time instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_offset_seconds = 0.0


def utcnow() -> datetime:
    """Aware UTC now; stored and logged in UTC, shown in Asia/Shanghai."""
    from datetime import timedelta
    return datetime.now(timezone.utc) + timedelta(seconds=_offset_seconds)


def travel(seconds: float) -> None:
    """Move the clock forward (tests of idle and absolute session timeouts)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def local(value: datetime | None) -> datetime | None:
    value = aware(value)
    return value.astimezone(SHANGHAI) if value else None


def timezone_utc():
    return timezone.utc
