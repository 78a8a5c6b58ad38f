"""Activities: sign-up with a FIFO waitlist, check-in with the organiser's code inside the window,
check-out, the roster for people without phones, and the close of a forgotten check-out at the end
of the local (Asia/Shanghai) day."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.api import Refused
from core.db import db

from .conftest import in_tenant, make_activity, register, shanghai

DAY = date(2026, 6, 10)


def _objs(app, vw, aid, vid):
    from plugins.volunteer.models import Activity, Volunteer
    return lambda: (db.session.get(Activity, aid), db.session.get(Volunteer, vid))


def test_check_in_with_the_code_inside_the_window_then_check_out(app, vw):
    from plugins.volunteer.models import Activity, ServiceRecord
    from plugins.volunteer.services import activities as svc
    aid, vid = make_activity(app, vw, DAY), register(app, vw, 0)
    code = in_tenant(app, vw.street, lambda: db.session.get(Activity, aid).checkin_code)
    get = _objs(app, vw, aid, vid)
    with pytest.raises(Refused, match="签到码不正确"):
        in_tenant(app, vw.street, lambda: svc.check_in(*get(), "000000" if code != "000000" else "111111",
                                                       now=shanghai(DAY, 8, 30)))
    with pytest.raises(Refused, match="不在签到时间内"):  # more than 60 minutes before the start
        in_tenant(app, vw.street, lambda: svc.check_in(*get(), code, now=shanghai(DAY, 7, 50)))
    in_tenant(app, vw.street, lambda: svc.check_in(*get(), code, now=shanghai(DAY, 8, 30)))
    with pytest.raises(Refused, match="未签退"):
        in_tenant(app, vw.street, lambda: svc.check_in(*get(), code, now=shanghai(DAY, 8, 40)))
    in_tenant(app, vw.street, lambda: svc.check_out(*get(), now=shanghai(DAY, 11, 45)))
    rec = in_tenant(app, vw.street, lambda: db.session.scalars(select(ServiceRecord)).one())
    # 3 h 15 min present, the activity's 2 hours credited at most; the rest stays visible
    assert (rec.state, rec.minutes_claimed, rec.uncredited_minutes, rec.uncredited_reason, rec.service_date) == \
        ("submitted", 120, 75, "activity_cap", DAY)


def test_waitlist_is_first_in_first_out(app, vw):
    from plugins.volunteer.models import Registration
    from plugins.volunteer.services import activities as svc
    aid = make_activity(app, vw, DAY, capacity=1)
    vids = [register(app, vw, i) for i in range(3)]
    states = [in_tenant(app, vw.street, lambda v=v: svc.signup(*_objs(app, vw, aid, v)()).state) for v in vids]
    assert states == ["registered", "waitlisted", "waitlisted"]

    def cancel_first():
        reg = db.session.scalar(select(Registration).where(Registration.volunteer_id == vids[0]))
        svc.cancel_signup(reg)
    in_tenant(app, vw.street, cancel_first)
    now = in_tenant(app, vw.street, lambda: {r.volunteer_id: r.state for r in db.session.scalars(select(Registration))})
    assert now == {vids[0]: "cancelled", vids[1]: "registered", vids[2]: "waitlisted"}


def test_a_forgotten_check_out_closes_at_local_midnight_not_utc_midnight(app, vw):
    from plugins.volunteer import jobs
    from plugins.volunteer.models import Activity, ServiceRecord
    from plugins.volunteer.services import activities as svc
    aid, vid = make_activity(app, vw, DAY, "19:00", "22:00"), register(app, vw, 0)
    code = in_tenant(app, vw.street, lambda: db.session.get(Activity, aid).checkin_code)
    in_tenant(app, vw.street, lambda: svc.check_in(*_objs(app, vw, aid, vid)(), code, now=shanghai(DAY, 19, 5)))
    # 23:59 in Shanghai is 15:59 UTC the same day; 00:01 the next day in Shanghai is still 16:01 UTC of DAY
    assert in_tenant(app, vw.street, lambda: jobs.close_forgotten_checkouts(None, now=shanghai(DAY, 23, 59))) == 0
    assert in_tenant(app, vw.street, lambda: jobs.close_forgotten_checkouts(
        None, now=shanghai(DAY + timedelta(days=1), 0, 1))) == 1
    rec = in_tenant(app, vw.street, lambda: db.session.scalars(select(ServiceRecord)).one())
    assert (rec.state, rec.minutes_claimed, rec.anomaly_flags, rec.service_date) == \
        ("needs_review", 180, ["missing_checkout"], DAY)


def test_a_roster_tick_counts_as_a_check_in_entered_by_staff(app, vw):
    from plugins.volunteer.models import Activity, Volunteer
    from plugins.volunteer.services import activities as svc
    from core.api import clock
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    aid, vid = make_activity(app, vw, today, "00:00", "23:59"), register(app, vw, 0)
    rec = in_tenant(app, vw.street, lambda: svc.roster_tick(db.session.get(Activity, aid),
                                                            db.session.get(Volunteer, vid)), user_id=vw.staff.id)
    assert (rec.source, rec.state, rec.entered_by, rec.minutes_claimed) == ("roster", "submitted", vw.staff.id, 1439)
