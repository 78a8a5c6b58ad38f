"""Approval: nobody approves their own hours or hours they entered, the daily cap, back-fill earns
no points, a void reverses both currencies, two approvals of one record post once (parallel
processes), and a batch approval shows exactly what it approves."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.api import Refused, Stale
from core.db import db
from core.testing.factories import post

from .conftest import client_for, in_tenant, register, run_parallel

DAY = date(2026, 6, 10)


def _backfill(app, vw, vid, minutes, user, day=DAY, note="纸质台账"):
    from plugins.volunteer.services import records
    return in_tenant(app, vw.street, lambda: records.backfill({"volunteer_id": vid, "service_date": day,
                                                              "minutes": minutes, "note": note}).id, user_id=user.id)


def _self(app, vw, vid, minutes, day=DAY, key="x"):
    """A submitted self-report (earns points once approved)."""
    from plugins.volunteer.models import ServiceRecord, Volunteer

    def run():
        vol = db.session.get(Volunteer, vid)
        rec = ServiceRecord(volunteer_id=vid, org_unit_id=vol.org_unit_id, service_date=day, minutes_claimed=minutes,
                            source="self_report", state="submitted", idempotency_key=f"self:{vid}:{key}")
        db.session.add(rec)
        db.session.flush()
        return rec.id
    return in_tenant(app, vw.street, run)


def _approve(app, vw, rid, user):
    from plugins.volunteer.models import ServiceRecord
    from plugins.volunteer.services import records
    return in_tenant(app, vw.street, lambda: records.approve(db.session.get(ServiceRecord, rid)), user_id=user.id)


def _bal(app, vw, vid):
    from plugins.volunteer.services import ledger
    return in_tenant(app, vw.street, lambda: ledger.balances("volunteer", vid))


def test_nobody_approves_their_own_hours_or_hours_they_entered(app, vw):
    vid = register(app, vw, 0, user=vw.staff)
    mine = _self(app, vw, vid, 60)
    with pytest.raises(Refused, match="不能审核本人"):
        _approve(app, vw, mine, vw.staff)
    other = register(app, vw, 1)
    entered = _backfill(app, vw, other, 90, vw.other_staff)
    with pytest.raises(Refused, match="自己录入"):
        _approve(app, vw, entered, vw.other_staff)
    _approve(app, vw, mine, vw.other_staff)
    _approve(app, vw, entered, vw.staff)
    assert _bal(app, vw, vid) == {"HOURS": 60, "POINTS": 100}
    assert _bal(app, vw, other) == {"HOURS": 90, "POINTS": 0}  # 补录·不计积分


def test_the_daily_cap_keeps_the_excess_visible(app, vw):
    from plugins.volunteer.models import ServiceRecord
    vid = register(app, vw, 0)
    first, second = _self(app, vw, vid, 300, key="a"), _self(app, vw, vid, 300, key="b")
    _approve(app, vw, first, vw.staff)
    _approve(app, vw, second, vw.staff)
    rec = in_tenant(app, vw.street, lambda: db.session.get(ServiceRecord, second))
    assert (rec.minutes_credited, rec.uncredited_minutes, rec.uncredited_reason) == (180, 120, "daily_cap")
    assert _bal(app, vw, vid)["HOURS"] == 480
    # another day has its own allowance
    _approve(app, vw, _self(app, vw, vid, 60, day=date(2026, 6, 11), key="c"), vw.staff)
    assert _bal(app, vw, vid)["HOURS"] == 540


def test_a_void_reverses_hours_and_points_once(app, vw):
    from plugins.volunteer.models import ServiceRecord
    from plugins.volunteer.services import ledger, records
    vid = register(app, vw, 0)
    rid = _self(app, vw, vid, 120)
    _approve(app, vw, rid, vw.staff)
    in_tenant(app, vw.street, lambda: records.void(db.session.get(ServiceRecord, rid), "重复录入"), user_id=vw.admin.id)
    assert _bal(app, vw, vid) == {"HOURS": 0, "POINTS": 0}
    assert in_tenant(app, vw.street, lambda: ledger.verify()["ok"])
    with pytest.raises(Stale):  # already voided: nothing is reversed twice
        in_tenant(app, vw.street, lambda: records.void(db.session.get(ServiceRecord, rid), "again"),
                  user_id=vw.admin.id)


def test_two_approvals_of_one_record_in_parallel_processes_post_once(app, database, vw):
    vid = register(app, vw, 0)
    rid = _self(app, vw, vid, 90)
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:approve_record", workers=2,
                           user_ids=[vw.staff.id, vw.other_staff.id], record_id=rid)
    flat = [r for w in outcome for r in w]
    assert flat.count("approved") == 1 and sum(r.startswith("refused: Stale") for r in flat) == 1, flat
    assert _bal(app, vw, vid) == {"HOURS": 90, "POINTS": 150}
    from plugins.volunteer.models import LedgerTxn
    kinds = in_tenant(app, vw.street, lambda: sorted(t.txn_type for t in db.session.scalars(select(LedgerTxn))))
    assert kinds == ["EARN", "HOURS_CREDIT"]


def test_a_batch_approval_previews_what_it_approves(app, vw):
    from plugins.volunteer.models import ServiceRecord
    vid = register(app, vw, 0)
    clean, flagged = _self(app, vw, vid, 30, key="a"), _self(app, vw, vid, 30, key="b")
    in_tenant(app, vw.street, lambda: setattr(db.session.get(ServiceRecord, flagged), "anomaly_flags",
                                              ["missing_checkout"]))
    c = client_for(app, vw.staff)
    base = f"/t/{vw.street.slug}/volunteer"
    preview = post(c, f"{base}/approvals/preview", {"ids": [clean, flagged]})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "30 分钟" in page and "另有 1 条" in page
    done = post(c, f"{base}/approvals/batch", {"ids": [clean, flagged]})
    assert done.status_code == 303
    states = in_tenant(app, vw.street, lambda: (db.session.get(ServiceRecord, clean).state,
                                                db.session.get(ServiceRecord, flagged).state))
    assert states == ("approved", "submitted")


def test_a_closed_grid_event_with_assistants_becomes_submitted_records_once(app, vw, deliver_event):
    from dataclasses import dataclass, field

    from core.api import Event
    from plugins.volunteer.models import ServiceRecord

    @dataclass
    class EventClosed(Event):
        name = "grid.event_closed"
        event_id: int = 0
        case_no: str = ""
        assistants: list = field(default_factory=list)

    register(app, vw, 0)
    event = EventClosed(event_id=42, assistants=[{"person_id": vw.people[0].id, "minutes": 45},
                                                 {"person_id": vw.people[5].id, "minutes": 30}])
    deliver_event(vw.street, event)
    deliver_event(vw.street, event)  # delivered twice: still one record
    rows = in_tenant(app, vw.street, lambda: [(r.source, r.minutes_claimed, r.state, r.linked_ref)
                                               for r in db.session.scalars(select(ServiceRecord))])
    assert rows == [("linked_event", 45, "submitted", "grid:42")]
