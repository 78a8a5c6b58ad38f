"""Office-hours tables, by area: schedules (representatives, studios, series, receptions, slots),
bookings (bookings, waitlist, reminders, iCal tokens) and records (visits, issues and their history).
Every one is a tenant table named office_hours__*."""
from .schedule import Host, Reception, Representative, Series, Slot, Studio  # noqa: F401
from .booking import Booking, IcalToken, Notification, WaitlistEntry  # noqa: F401
from .records import (Addendum, Callback, Feedback, HandledEvent, Issue, IssueStep, Referral,  # noqa: F401
                      SupervisionLog, Visit)
