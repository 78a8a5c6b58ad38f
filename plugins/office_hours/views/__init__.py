"""Office-hours pages. One blueprint; the route table below names every URL, the area modules hold
the views: schedule (calendar, reception panel, studios and series), booking (residents), desk
(reception on the day), issues (民情事项), reports (compliance, 台账, exports, iCal, widgets)."""
from __future__ import annotations

from flask import Blueprint

from . import booking, desk, issues, reports, schedule

bp = Blueprint("office_hours", __name__, template_folder="../templates")

R = "/receptions/<oh_reception:reception_id>"
D = "/desk/<oh_reception:reception_id>"
ROUTES = [
    # schedule
    ("/", schedule.calendar, ["GET"]),
    (R, schedule.reception, ["GET"]),
    (f"{R}/announce", schedule.announce, ["POST"]),
    (f"{R}/cancel", schedule.cancel_reception, ["POST"]),
    (f"{R}/reschedule", schedule.reschedule, ["POST"]),
    (f"{R}/hosts", schedule.hosts, ["POST"]),
    ("/studios", schedule.studios, ["GET"]),
    ("/studios/new", schedule.new_studio, ["POST"]),
    ("/representatives/new", schedule.new_representative, ["POST"]),
    ("/studios/<oh_studio:studio_id>/series", schedule.series_page, ["GET"]),
    ("/studios/<oh_studio:studio_id>/series/preview", schedule.series_preview, ["POST"]),
    ("/studios/<oh_studio:studio_id>/series/new", schedule.series_save, ["POST"]),
    # booking
    ("/book", booking.book_page, ["GET"]),
    (f"{R}/hold", booking.hold, ["POST"]),
    (f"{R}/waitlist", booking.waitlist, ["POST"]),
    ("/bookings/<oh_booking:booking_id>/confirm", booking.confirm_booking, ["POST"]),
    ("/bookings/<oh_booking:booking_id>/cancel", booking.cancel_booking, ["POST"]),
    ("/waitlist/<oh_wait:entry_id>/accept", booking.accept_offer, ["POST"]),
    ("/my", booking.my_bookings, ["GET"]),
    # desk
    ("/desk", desk.desk_index, ["GET"]),
    (D, desk.desk, ["GET"]),
    (f"{D}/walkin", desk.walk_in, ["POST"]),
    (f"{D}/checkin", desk.check_in, ["POST"]),
    (f"{D}/visits", desk.visit, ["POST"]),
    (f"{D}/close", desk.close_reception, ["POST"]),
    (f"{D}/addenda", desk.addendum, ["POST"]),
    ("/bookings/<oh_booking:booking_id>/no_show", desk.no_show, ["POST"]),
    # issues
    ("/issues", issues.issues, ["GET"]),
    ("/issues/<oh_issue:issue_id>", issues.issue, ["GET"]),
    ("/issues/<oh_issue:issue_id>/act/<action>", issues.act, ["POST"]),
    # reports
    ("/compliance", reports.compliance, ["GET"]),
    ("/compliance/export", reports.export, ["GET"]),
    ("/studios/<oh_studio:studio_id>/ledger", reports.ledger, ["GET"]),
    ("/studios/<oh_studio:studio_id>/calendar.ics", reports.studio_ical, ["GET"]),
    ("/representatives/<oh_rep:rep_id>/feed", reports.new_feed_token, ["POST"]),
    ("/feeds/<token>.ics", reports.rep_ical, ["GET"]),
    ("/widgets/next", reports.widget_next, ["GET"]),
    ("/widgets/risk", reports.widget_risk, ["GET"]),
    ("/widgets/overdue", reports.widget_overdue, ["GET"]),
    ("/widgets/satisfaction", reports.widget_satisfaction, ["GET"]),
]
for _rule, _view, _methods in ROUTES:
    bp.add_url_rule(_rule, _view.__name__, _view, methods=_methods)
