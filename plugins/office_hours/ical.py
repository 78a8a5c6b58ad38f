"""RFC 5545 feeds: UID reception-{id}@{tenant}, SEQUENCE bumped on every change, cancelled
receptions as STATUS:CANCELLED, times in Asia/Shanghai with a VTIMEZONE block. Lines folded at 75 octets."""
from __future__ import annotations

from core.api import clock

VTIMEZONE = ["BEGIN:VTIMEZONE", "TZID:Asia/Shanghai", "BEGIN:STANDARD", "DTSTART:19700101T000000",
             "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "TZNAME:CST", "END:STANDARD", "END:VTIMEZONE"]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    out, cur = [], ""
    for ch in line:
        if len((cur + ch).encode()) > 75:
            out.append(cur)
            cur = " " + ch
        else:
            cur += ch
    return [*out, cur]


def _local(value) -> str:
    return clock.local(value).strftime("%Y%m%dT%H%M%S")


def calendar(name: str, tenant_slug: str, events: list[dict]) -> str:
    """``events``: dicts with reception, summary, location, description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Jiceng//office_hours//ZH", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai", *VTIMEZONE]
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%SZ")
    for e in events:
        r = e["reception"]
        lines += ["BEGIN:VEVENT", f"UID:reception-{r.id}@{tenant_slug}", f"DTSTAMP:{stamp}",
                  f"DTSTART;TZID=Asia/Shanghai:{_local(r.starts_at)}", f"DTEND;TZID=Asia/Shanghai:{_local(r.ends_at)}",
                  f"SEQUENCE:{r.sequence}", f"SUMMARY:{_escape(e['summary'])}", f"LOCATION:{_escape(e['location'])}",
                  f"DESCRIPTION:{_escape(e.get('description', ''))}",
                  f"STATUS:{'CANCELLED' if r.state in ('cancelled', 'rescheduled') else 'CONFIRMED'}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
