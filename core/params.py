"""Values from the query string, each read one way: absent or empty means "not given"; anything
else must be right, or the request is bad (400). Ids past 64 bits and dates in year 1 or 9999 would
otherwise overflow deep in a query or in a report's date arithmetic (``core.fields`` for forms).
"""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Callable, TypeVar

from flask import abort, request

from .fields import EARLIEST, LATEST, MAX_ID, in_range

T = TypeVar("T")


def parse_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise ValueError(f"no row has the id {raw!r}")
    return int(raw)


def as_id(raw: str) -> int | None:
    """An id sent in a form field read without a schema; None when it is not one."""
    try:
        return parse_id(raw)
    except ValueError:
        return None


def parse_date(raw: str) -> date:
    day = date.fromisoformat(raw)
    if not in_range(day):
        raise ValueError(f"{raw} is outside {EARLIEST.year}–{LATEST.year}")
    return day


def parse_year(raw: str) -> int:
    year = int(raw)
    if not EARLIEST.year <= year <= LATEST.year:
        raise ValueError(f"{raw} is outside {EARLIEST.year}–{LATEST.year}")
    return year


def parse_moment(raw: str, default_tz: tzinfo) -> datetime:
    """An ISO-8601 time; one without a zone is in ``default_tz``."""
    moment = datetime.fromisoformat(raw)
    if not in_range(moment.date()):
        raise ValueError(f"{raw} is outside {EARLIEST.year}–{LATEST.year}")
    return moment if moment.tzinfo else moment.replace(tzinfo=default_tz)


def arg(name: str, parse: Callable[[str], T]) -> T | None:
    """``request.args[name]`` read by ``parse``: None when absent or empty, 400 when ``parse`` refuses it."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse(raw)
    except (ValueError, OverflowError):
        abort(400)
