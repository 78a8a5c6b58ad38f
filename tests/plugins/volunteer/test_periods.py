"""Accounting periods and the second approver: closing lists what is pending; a closed month's
totals and export checksum never change, a late approval or a void dated in it goes to the open
month as a late posting; a void in a closed month and a BONUS/DEDUCT above 50 points wait for a
second person, never the one who asked."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.api import Refused
from core.db import db
from core.testing.factories import post

from .conftest import client_for, in_tenant, register
from .test_approval import _approve, _bal, _self


def _last_month() -> date:
    from plugins.volunteer.services.common import today
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


DAY = _last_month() + timedelta(days=9)


@pytest.fixture
def second(vw, create_user):
    """A second street-level member of staff, who may approve what the admin asked for."""
    return create_user(vw.street, "street_staff")


def _period(app, vw, fn, user):
    from plugins.volunteer.services import periods
    return in_tenant(app, vw.street, lambda: fn(periods), user_id=user.id)


def _close(app, vw, user):
    def run(periods):
        p = periods.start_closing(DAY)
        pending = [r.id for r in periods.pending_records(p)]
        closed = periods.close(p)
        return closed.id, pending, closed.totals, closed.export_checksum
    return _period(app, vw, run, user)


def _live(app, vw, period_id):
    from plugins.volunteer.models import AccountingPeriod
    from plugins.volunteer.services import periods
    return in_tenant(app, vw.street, lambda: (periods.totals(db.session.get(AccountingPeriod, period_id)),
                                              periods.checksum(db.session.get(AccountingPeriod, period_id))))


def _txns(app, vw, record_id):
    from plugins.volunteer.models import AccountingPeriod, LedgerTxn
    return in_tenant(app, vw.street, lambda: [
        (t.txn_type, t.late_posting, month) for t, month in db.session.execute(
            select(LedgerTxn, AccountingPeriod.month).join(AccountingPeriod, AccountingPeriod.id == LedgerTxn.period_id)
            .where(LedgerTxn.source_type == "record", LedgerTxn.source_id == record_id).order_by(LedgerTxn.id))])


def test_a_late_approval_goes_to_the_open_month_and_the_closed_months_totals_never_change(app, vw):
    vid = register(app, vw, 0)
    early, late = _self(app, vw, vid, 120, day=DAY, key="a"), _self(app, vw, vid, 60, day=DAY, key="b")
    _approve(app, vw, early, vw.admin)
    period_id, pending, sealed, checksum = _close(app, vw, vw.admin)
    assert pending == [late]  # closing listed the record still waiting
    assert sealed["moved"]["HOURS"] == {"HOURS_CREDIT": 120} and sealed["moved"]["POINTS"] == {"EARN": 200}
    assert len(checksum) == 64

    _approve(app, vw, late, vw.admin)
    from plugins.volunteer.services.common import today
    this_month = today().replace(day=1)
    assert _txns(app, vw, late) == [("HOURS_CREDIT", True, this_month), ("EARN", True, this_month)]
    assert _live(app, vw, period_id) == (sealed, checksum)  # recomputed now: exactly what was sealed
    assert _bal(app, vw, vid) == {"HOURS": 180, "POINTS": 300}


def test_the_current_month_cannot_be_closed_and_closing_comes_first(app, vw):
    from plugins.volunteer.services.common import today
    with pytest.raises(Refused, match="尚未结束"):
        _period(app, vw, lambda periods: periods.start_closing(today()), vw.admin)
    with pytest.raises(Refused, match="先开始结账"):
        _period(app, vw, lambda periods: periods.close(periods.period(DAY)), vw.admin)
    with pytest.raises(Refused, match="权限"):
        _period(app, vw, lambda periods: periods.start_closing(DAY), vw.staff)


def test_a_void_in_a_closed_month_needs_a_second_approver_and_leaves_the_month_unchanged(app, vw, second):
    from plugins.volunteer.models import SecondApproval, ServiceRecord
    from plugins.volunteer.services import adjustments, records
    vid = register(app, vw, 0)
    rid = _self(app, vw, vid, 90, day=DAY)
    _approve(app, vw, rid, vw.admin)
    period_id, _pending, sealed, checksum = _close(app, vw, vw.admin)

    asked = in_tenant(app, vw.street, lambda: records.void(db.session.get(ServiceRecord, rid), "重复申报").id,
                      user_id=vw.admin.id)
    assert in_tenant(app, vw.street, lambda: db.session.get(ServiceRecord, rid).state) == "approved"
    assert _bal(app, vw, vid) == {"HOURS": 90, "POINTS": 150}  # nothing moves before the second person
    with pytest.raises(Refused, match="申请人"):
        in_tenant(app, vw.street, lambda: adjustments.decide(db.session.get(SecondApproval, asked), True),
                  user_id=vw.admin.id)
    in_tenant(app, vw.street, lambda: adjustments.decide(db.session.get(SecondApproval, asked), True),
              user_id=second.id)
    assert in_tenant(app, vw.street, lambda: db.session.get(ServiceRecord, rid).state) == "voided"
    assert _bal(app, vw, vid) == {"HOURS": 0, "POINTS": 0}
    reversals = [(t, lp) for t, lp, _m in _txns(app, vw, rid)][2:]
    assert reversals == [("REVERSAL", True), ("REVERSAL", True)]
    assert _live(app, vw, period_id) == (sealed, checksum)


def test_a_void_in_an_open_month_needs_no_second_approver(app, vw):
    from plugins.volunteer.models import ServiceRecord
    from plugins.volunteer.services import records
    vid = register(app, vw, 0)
    rid = _self(app, vw, vid, 30, day=DAY)
    _approve(app, vw, rid, vw.admin)
    in_tenant(app, vw.street, lambda: records.void(db.session.get(ServiceRecord, rid), "录错"), user_id=vw.admin.id)
    assert _bal(app, vw, vid) == {"HOURS": 0, "POINTS": 0}


def _adjust(app, vw, vid, user, txn_type, points, reason="award"):
    from plugins.volunteer.models import Volunteer
    from plugins.volunteer.services import adjustments
    return in_tenant(app, vw.street, lambda: (lambda q: (q.id, q.state))(adjustments.adjust(
        db.session.get(Volunteer, vid), {"txn_type": txn_type, "points": points * 100, "reason_code": reason,
                                         "memo": "社区表彰"})), user_id=user.id)


def test_bonus_and_deduct_above_50_points_wait_for_a_second_person(app, vw, second):
    from plugins.volunteer.models import LedgerTxn, SecondApproval
    from plugins.volunteer.services import adjustments
    vid = register(app, vw, 0)
    assert _adjust(app, vw, vid, vw.admin, "BONUS", 50)[1] == "approved"  # 50 is not above 50
    assert _bal(app, vw, vid)["POINTS"] == 5000
    big, state = _adjust(app, vw, vid, vw.admin, "BONUS", 80)
    assert state == "pending" and _bal(app, vw, vid)["POINTS"] == 5000
    with pytest.raises(Refused, match="申请人"):
        in_tenant(app, vw.street, lambda: adjustments.decide(db.session.get(SecondApproval, big), True),
                  user_id=vw.admin.id)
    in_tenant(app, vw.street, lambda: adjustments.decide(db.session.get(SecondApproval, big), True),
              user_id=second.id)
    assert _bal(app, vw, vid)["POINTS"] == 13000
    txn = in_tenant(app, vw.street, lambda: (lambda t: (t.txn_type, t.approved_by, t.created_by))(db.session.scalar(
        select(LedgerTxn).where(LedgerTxn.source_type == "adjustment", LedgerTxn.source_id == big))))
    assert txn == ("BONUS", second.id, vw.admin.id)
    deduct, state = _adjust(app, vw, vid, vw.admin, "DEDUCT", 60, reason="violation")
    assert state == "pending"
    in_tenant(app, vw.street, lambda: adjustments.decide(db.session.get(SecondApproval, deduct), False, "证据不足"),
              user_id=second.id)
    assert _bal(app, vw, vid)["POINTS"] == 13000  # declined: nothing posted
    with pytest.raises(Exception):  # decided once: a second decision changes nothing
        in_tenant(app, vw.street, lambda: adjustments.decide(db.session.get(SecondApproval, deduct), True),
                  user_id=second.id)
    assert _adjust(app, vw, vid, vw.admin, "DEDUCT", 20, reason="correction")[1] == "approved"
    assert _bal(app, vw, vid)["POINTS"] == 11000


def test_staff_close_a_month_and_see_its_sealed_totals_on_the_pages(app, vw, second):
    vid = register(app, vw, 0)
    rid = _self(app, vw, vid, 120, day=DAY)
    waiting = _self(app, vw, vid, 45, day=DAY, key="w")
    _approve(app, vw, rid, vw.admin)
    c = client_for(app, vw.admin)
    slug = vw.street.slug
    page = c.get(f"/t/{slug}/volunteer/periods")
    assert page.status_code == 200 and "开始结账" in page.get_data(as_text=True)
    r = post(c, f"/t/{slug}/volunteer/periods", data={"month": DAY.strftime("%Y-%m")})
    assert r.status_code == 303
    body = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "结账中" in body and "待处理的服务记录" in body and "45" in body  # the pending record is listed
    assert "确认结账" in body
    period_url = r.headers["Location"]
    assert post(c, period_url + "/close").status_code == 303
    body = c.get(period_url).get_data(as_text=True)
    assert "已结账" in body and "与当前导出一致" in body and "服务时长入账" in body and "HOURS_CREDIT" not in body
    _approve(app, vw, waiting, vw.admin)  # late: the sealed month's page does not move
    after = c.get(period_url).get_data(as_text=True)
    assert "与当前导出一致" in after and "+120" in after and "+165" not in after
    # points show as points (the ledger's 0.01-point units stay in the export), as on every other page
    assert "0.01分" not in after and "+2.00" in after, after[after.find('id="totals"'):][:1500]
    xlsx = c.get(period_url + "/journal.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    # the second approver's queue
    vol_page = f"/t/{slug}/volunteer/{vid}"
    r = post(c, vol_page + "/adjust", data={"txn_type": "BONUS", "points": "100", "reason_code": "award",
                                            "memo": "优秀志愿者"})
    assert r.status_code == 303
    queue = client_for(app, second).get(f"/t/{slug}/volunteer/second-approvals").get_data(as_text=True)
    assert "奖励积分" in queue and "100.00" in queue and "表彰奖励" in queue and "BONUS" not in queue
    bad = post(c, vol_page + "/adjust", data={"txn_type": "BONUS", "points": "0", "reason_code": "nope", "memo": ""})
    assert bad.status_code == 422 and "请从列表中选择" in bad.get_data(as_text=True)


def test_form_errors_follow_the_users_language(app):
    from plugins.office_hours.schemas import SeriesIn
    from plugins.volunteer.schemas import AdjustIn, CertificateIn
    with app.test_request_context("/"):
        with force_locale("en"):
            assert AdjustIn().validate({"txn_type": "BONUS", "points": "5", "reason_code": "nope", "memo": "x"}) == \
                {"reason_code": ["Please choose from the list"]}
            errors = CertificateIn().validate({"range_from": "2026-05-02", "range_to": "2026-05-01"})
            assert errors == {"range_to": ["The end date cannot be before the start date"]}
            series = SeriesIn().validate({"rrule": "FREQ=MONTHLY", "valid_from": "2026-05-02", "valid_to": "2026-05-01",
                                          "at": "09:00"})
            assert series.get("valid_to") == ["The end date cannot be before the start date"]
        errors = CertificateIn().validate({"range_from": "2026-05-02", "range_to": "2026-05-01"})
        assert errors == {"range_to": ["结束日期不能早于开始日期"]}


def test_two_second_approvers_at_once_post_the_award_once(app, database, vw, second, create_user):
    from .conftest import run_parallel
    third = create_user(vw.street, "street_staff")
    vid = register(app, vw, 0)
    big, state = _adjust(app, vw, vid, vw.admin, "BONUS", 90)
    assert state == "pending"
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:second_approve", workers=2,
                           user_ids=[second.id, third.id], request_id=big)
    results = sorted(r[0] for r in outcome)
    assert results[0] == "ok" and results[1].startswith("refused: Stale"), outcome
    assert _bal(app, vw, vid)["POINTS"] == 9000
