"""Redemption never double-spends (parallel processes), the public board shows only consenting
volunteers' names, certificates are checked on a public page, and a volunteer's balance and the
board cost a constant number of queries however long the history."""
from __future__ import annotations

from datetime import date

import pytest

from core.api import Refused
from core.db import db
from core.testing import statements_of

from .conftest import client_for, in_tenant, make_post, register, run_parallel


def _grant_points(app, vw, vid, points, key):
    from plugins.volunteer.services import ledger
    in_tenant(app, vw.street, lambda: ledger.earn(vid, 60, points * 100, date(2026, 6, 1), ("test", 0), key))


def _item(app, vw, stock, points=10):
    from plugins.volunteer.services import rewards
    return in_tenant(app, vw.street, lambda: rewards.create_item({"name": "洗衣液", "org_unit_id": vw.community.id,
                                                                 "points": points, "stock": stock}).id,
                     user_id=vw.admin.id)


def test_two_redemptions_of_the_last_item_in_parallel_processes_one_wins(app, database, vw):
    vids = [register(app, vw, 0), register(app, vw, 1)]
    for i, vid in enumerate(vids):
        _grant_points(app, vw, vid, 50, f"g{i}")
    item = _item(app, vw, stock=1)
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:redeem", workers=2,
                           user_ids=[vw.admin.id, vw.admin.id], item_id=item, volunteer_ids=vids)
    flat = [r for w in outcome for r in w]
    assert flat.count("held") == 1 and sum("库存不足" in r for r in flat) == 1, flat
    from plugins.volunteer.services import ledger
    assert in_tenant(app, vw.street, ledger.verify)["ok"]


def test_parallel_orders_never_spend_the_same_points_twice(app, database, vw):
    vid = register(app, vw, 0)
    _grant_points(app, vw, vid, 10, "g")
    item = _item(app, vw, stock=5, points=10)
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:redeem", workers=3,
                           user_ids=[vw.admin.id] * 3, item_id=item, volunteer_ids=[vid] * 3)
    flat = [r for w in outcome for r in w]
    assert flat.count("held") == 1 and sum("积分不足" in r for r in flat) == 2, flat
    from plugins.volunteer.services import ledger
    assert in_tenant(app, vw.street, lambda: ledger.balances("volunteer", vid))["POINTS"] == 0


def test_pick_up_is_final_and_cancel_gives_points_and_stock_back(app, vw):
    from plugins.volunteer.models import RedemptionOrder, RewardItem, Volunteer
    from plugins.volunteer.services import ledger, rewards
    vid = register(app, vw, 0)
    _grant_points(app, vw, vid, 30, "g")
    item = _item(app, vw, stock=2)

    def order():
        return rewards.order(db.session.get(RewardItem, item), db.session.get(Volunteer, vid)).id
    first, second = in_tenant(app, vw.street, order, vw.admin.id), in_tenant(app, vw.street, order, vw.admin.id)
    code = in_tenant(app, vw.street, lambda: db.session.get(RedemptionOrder, first).pickup_code)
    in_tenant(app, vw.street, lambda: rewards.fulfil(code), user_id=vw.staff.id)
    with pytest.raises(Refused, match="已使用"):
        in_tenant(app, vw.street, lambda: rewards.fulfil(code), user_id=vw.staff.id)
    in_tenant(app, vw.street, lambda: rewards.release(db.session.get(RedemptionOrder, second)), user_id=vw.staff.id)
    stock = in_tenant(app, vw.street, lambda: (db.session.get(RewardItem, item).stock,
                                               db.session.get(RewardItem, item).reserved))
    assert stock == (1, 0)
    assert in_tenant(app, vw.street, lambda: ledger.balances("volunteer", vid))["POINTS"] == 2000
    assert in_tenant(app, vw.street, ledger.verify)["ok"]


def _active_claim(app, vw, pid, vid):
    from plugins.volunteer.models import ServicePost, Volunteer
    from plugins.volunteer.services import posts
    in_tenant(app, vw.street, lambda: posts.claim(db.session.get(ServicePost, pid),
                                                  volunteer=db.session.get(Volunteer, vid)), user_id=vw.admin.id)


def test_the_public_board_masks_names_and_honours_consent(app, vw):
    pid = make_post(app, vw, capacity=3, requires_review=False)
    masked = register(app, vw, 0)                                   # 张一华 → 张*华 by default
    full = register(app, vw, 1, board_consent="full_name")          # 张二华 consented
    hidden = register(app, vw, 2, board_consent="hidden")           # 张三华 opted out
    for vid in (masked, full, hidden):
        _active_claim(app, vw, pid, vid)
    page = app.test_client().get(f"/t/{vw.street.slug}/volunteer/boards/{vw.community.id}")  # no sign-in
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "张*华" in text and "张二华" in text and "张一华" not in text and "张三" not in text
    assert "另有 1 人选择不公示" in text and "在岗 3" in text
    assert "排行" not in text  # rankings are off by default


def test_a_certificate_is_checked_on_a_public_page_and_a_void_marks_it_for_review(app, vw):
    from plugins.volunteer.models import Certificate, ServiceRecord, Volunteer
    from plugins.volunteer.services import public, records
    vid = register(app, vw, 0)

    def rec():
        r = ServiceRecord(volunteer_id=vid, org_unit_id=vw.community.id, service_date=date(2026, 6, 2),
                          minutes_claimed=150, source="self_report", state="submitted", idempotency_key="c1")
        db.session.add(r)
        db.session.flush()
        return r.id
    rid = in_tenant(app, vw.street, rec)
    in_tenant(app, vw.street, lambda: records.approve(db.session.get(ServiceRecord, rid)), user_id=vw.staff.id)
    cert = in_tenant(app, vw.street, lambda: public.issue(db.session.get(Volunteer, vid), {
        "range_from": date(2026, 1, 1), "range_to": date(2026, 12, 31)}), user_id=vw.admin.id)
    assert cert.minutes == 150 and cert.number.startswith(f"{vw.street.slug}-")
    page = app.test_client().get(f"/t/{vw.street.slug}/volunteer/verify/{cert.verify_token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and cert.number in text and "张*华" in text and "2.5" in text and "有效" in text
    assert app.test_client().get(f"/t/{vw.street.slug}/volunteer/verify/nope").status_code == 404
    in_tenant(app, vw.street, lambda: records.void(db.session.get(ServiceRecord, rid), "误录"), user_id=vw.admin.id)
    assert in_tenant(app, vw.street, lambda: db.session.get(Certificate, cert.id).state) == "needs_review"


def _count_queries(app, fn) -> int:
    """Statements of one warm call (``core.testing.statements_of``)."""
    with app.app_context():
        return statements_of(fn)


def test_balance_and_board_cost_the_same_queries_for_a_long_history(app, vw):
    pid = make_post(app, vw, capacity=3, requires_review=False)
    vid = register(app, vw, 0, user=vw.staff)
    _active_claim(app, vw, pid, vid)
    c = client_for(app, vw.staff)
    board = f"/t/{vw.street.slug}/volunteer/boards/{vw.community.id}"
    page = f"/t/{vw.street.slug}/volunteer/{vid}"
    _grant_points(app, vw, vid, 1, "h0")
    c.get(page)
    c.get(board)
    short = (_count_queries(app, lambda: c.get(page)), _count_queries(app, lambda: c.get(board)))
    for i in range(1, 60):
        _grant_points(app, vw, vid, 1, f"h{i}")
    long = (_count_queries(app, lambda: c.get(page)), _count_queries(app, lambda: c.get(board)))
    assert long == short
    from plugins.volunteer.services import ledger
    assert in_tenant(app, vw.street, lambda: ledger.balances("volunteer", vid)) == {"HOURS": 3600, "POINTS": 6000}
