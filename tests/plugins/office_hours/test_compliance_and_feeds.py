"""Compliance on hand-made months (held, closed, zero visitors, cancelled, late, at risk), the
compliance and calendar pages with constant queries at 100× the data, the XLSX export, the iCal
feeds (public studio feed, revocable private feed with counts and no names) and the widgets."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import insert

from core.api import clock, db
from core.testing import statements_of
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import client_for, in_days, make_reception

SH = clock.SHANGHAI


def _add(app, ow, day: date, state: str, zero: bool = False, late: bool = False, hour: int = 9) -> None:
    from plugins.office_hours.models import Reception
    starts = datetime.combine(day, time(hour, 0), tzinfo=SH)
    with app.app_context(), tenant_scope(ow.street.id):
        db.session.add(Reception(studio_id=ow.studio_id, starts_at=starts, ends_at=starts + timedelta(hours=2),
                                 state=state, zero_visitors=zero, late_announcement=late,
                                 visitor_count=0 if zero else 3))


def _months(app, ow, start: date, end: date, today: date):
    from plugins.office_hours.models import Studio
    from plugins.office_hours.services import compliance
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        studio = db.session.get(Studio, ow.studio_id)
        return {(m.year, m.month): m for m in compliance.table([studio], start, end, today=today)[studio.id]}


def test_hand_made_months(app, ow):
    _add(app, ow, date(2025, 1, 14), "closed")                      # kept
    _add(app, ow, date(2025, 2, 11), "closed", zero=True)           # kept, nobody came
    _add(app, ow, date(2025, 3, 11), "closed", zero=True)
    _add(app, ow, date(2025, 3, 25), "held", late=True)             # kept (zero flagged, but not all zero)
    _add(app, ow, date(2025, 4, 8), "cancelled")                    # cancelled: missed
    _add(app, ow, date(2025, 6, 24), "announced")                   # current month, announced: pending
    months = _months(app, ow, date(2025, 1, 1), date(2025, 7, 31), today=date(2025, 6, 21))
    got = {k: (m.status, m.held, m.zero, m.late) for k, m in months.items()}
    assert got == {(2025, 1): ("kept", 1, 0, 0), (2025, 2): ("kept_no_visitors", 1, 1, 0),
                   (2025, 3): ("kept", 2, 1, 1), (2025, 4): ("missed", 0, 0, 0), (2025, 5): ("missed", 0, 0, 0),
                   (2025, 6): ("pending", 0, 0, 0), (2025, 7): ("pending", 0, 0, 0)}
    # nothing announced by day 20 of the current month: amber
    assert _months(app, ow, date(2025, 7, 1), date(2025, 7, 31), today=date(2025, 7, 21))[(2025, 7)].status == \
        "at_risk"


def test_months_before_the_studio_is_counted_are_not_required(app, ow):
    months = _months(app, ow, date(2023, 11, 1), date(2024, 2, 28), today=date(2024, 3, 1))
    assert sorted(months) == [(2024, 1), (2024, 2)]  # compliance_from is 2024-01-01


def _count(client, url) -> int:
    """Statements of one warm request (``core.testing.statements_of``)."""
    def get():
        assert client.get(url).status_code == 200
    return statements_of(get)


def _bulk_receptions(app, ow, n: int, offset: int):
    from plugins.office_hours.models import Reception
    base = datetime(2025, 1, 6, 9, tzinfo=SH)
    rows = [{"tenant_id": ow.street.id, "studio_id": ow.studio_id, "starts_at": base + timedelta(hours=offset + i),
             "ends_at": base + timedelta(hours=offset + i + 1), "state": "closed", "moved_reason": "",
             "late_announcement": False, "reserved_walkin_seats": 0, "walkin_enabled": True, "min_notice_hours": 2,
             "max_bookings_per_person_month": 3, "next_queue_no": 1, "zero_visitors": False, "minutes_text": "",
             "sequence": 0, "version": 1} for i in range(n)]
    with app.app_context(), tenant_scope(ow.street.id):
        db.session.execute(insert(Reception).execution_options(tenant_checked_insert=True), rows)


def test_calendar_and_compliance_pages_keep_constant_queries_at_100x(app, ow):
    c = client_for(app, ow.admin)
    urls = [f"/t/{ow.street.slug}/office_hours/?studio={ow.studio_id}&month=2025-01-01",
            f"/t/{ow.street.slug}/office_hours/compliance?from=2025-01-01&to=2025-02-28"]
    _bulk_receptions(app, ow, 3, 0)
    _count(c, urls[0])
    small = [_count(c, u) for u in urls]
    _bulk_receptions(app, ow, 300, 10)
    assert [_count(c, u) for u in urls] == small


def test_export_is_a_workbook(app, ow):
    _add(app, ow, date(2025, 1, 14), "closed")
    resp = client_for(app, ow.admin).get(f"/t/{ow.street.slug}/office_hours/compliance/export?from=2025-01-01"
                                         f"&to=2025-02-28")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"


def test_public_studio_feed(app, ow, client):
    r = make_reception(app, ow, in_days(4))
    cancelled = make_reception(app, ow, in_days(11), state="cancelled")
    body = client.get(f"/t/{ow.street.slug}/office_hours/studios/{ow.studio_id}/calendar.ics").text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "BEGIN:VTIMEZONE" in body
    assert f"UID:reception-{r}@{ow.street.slug}" in body and "党代表李代表" in body
    assert f"UID:reception-{cancelled}@{ow.street.slug}" in body and "STATUS:CANCELLED" in body
    assert "DTSTART;TZID=Asia/Shanghai:" in body and all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_private_feed_counts_bookings_without_names_and_can_be_revoked(app, ow):
    from plugins.office_hours.models import Reception, Slot
    from plugins.office_hours.services import booking
    r = make_reception(app, ow, in_days(4))
    with app.app_context(), tenant_scope(ow.street.id):
        slot = db.session.query(Slot).filter(Slot.reception_id == r).first()
        booking.confirm(booking.hold(db.session.get(Reception, r), slot.id, "u1", name="王居民"))
    admin = client_for(app, ow.admin)
    resp = post(admin, f"/t/{ow.street.slug}/office_hours/representatives/{ow.rep_id}/feed", {})
    assert resp.status_code == 303
    page = admin.get(resp.headers["Location"]).text
    link = page.split("/office_hours/feeds/")[1].split(".ics")[0]
    anon = app.test_client()
    feed = anon.get(f"/t/{ow.street.slug}/office_hours/feeds/{link}.ics").text
    assert "已预约 1 人" in feed and "王居民" not in feed
    post(admin, f"/t/{ow.street.slug}/office_hours/representatives/{ow.rep_id}/feed", {})
    assert anon.get(f"/t/{ow.street.slug}/office_hours/feeds/{link}.ics").status_code == 404


def test_widgets(app, ow):
    make_reception(app, ow, in_days(2))
    c = client_for(app, ow.admin)
    titles = {"next": "近期代表接待", "risk": "本月尚未接待的工作室", "overdue": "超期民情事项", "satisfaction": "近90天满意率"}
    for name, title in titles.items():  # the fragment replaces the card's contents, so it carries its title
        resp = c.get(f"/t/{ow.street.slug}/office_hours/widgets/{name}")
        assert resp.status_code == 200 and f"<h2>{title}</h2>" in resp.text
    assert "幸福社区党代表工作室" in c.get(f"/t/{ow.street.slug}/office_hours/widgets/next").text
