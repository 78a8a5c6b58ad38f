"""爱心超市: rewards with stock, orders that hold points and stock, then are picked up or released.

A hold takes the item (``reserved < stock``, one conditional update) and the points (a guarded
ledger debit that never overdraws): two orders for the last item, or for the last points, cannot
both succeed. A fulfilled order is final.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from flask_babel import gettext as _
from core import api
from core.api import Refused, Stale, clock, db

from ..models import RedemptionOrder, RewardItem, StockMovement, Volunteer
from ..models.ledger import POINTS
from ..models.rewards import ORDER_STATES
from . import ledger
from .common import require, today, user_id


def create_item(data: dict) -> RewardItem:
    require("volunteer.catalog.manage", data["org_unit_id"])
    item = RewardItem(org_unit_id=data["org_unit_id"], name=data["name"], points_price=data["points"] * 100,
                      stock=0, donor=data.get("donor") or None)
    db.session.add(item)
    db.session.flush()
    if data["stock"]:
        restock(item, data["stock"])
    return item


def restock(item: RewardItem, qty: int) -> RewardItem:
    require("volunteer.catalog.manage", item.org_unit_id)
    db.session.execute(update(RewardItem).where(RewardItem.id == item.id).values(stock=RewardItem.stock + qty)
                       .execution_options(synchronize_session=False))
    db.session.add(StockMovement(item_id=item.id, kind="donation", qty=qty, created_by=user_id()))
    db.session.flush()
    db.session.refresh(item)
    return item


def order(item: RewardItem, vol: Volunteer, qty: int = 1) -> RedemptionOrder:
    """Hold the item and the points; the pick-up code is shown to the volunteer."""
    if vol.user_id != user_id():
        require("volunteer.redeem.fulfil", item.org_unit_id)
    if not item.active:
        raise Refused(_("该物品已下架"))
    if ledger.in_debt(vol.id):
        raise Refused(_("积分账户欠分，暂不能兑换"))
    taken = db.session.execute(update(RewardItem).where(
        RewardItem.id == item.id, RewardItem.active.is_(True), RewardItem.reserved + qty <= RewardItem.stock)
        .values(reserved=RewardItem.reserved + qty).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise Refused(_("库存不足"))
    points = item.points_price * qty
    acc = ledger.member(vol.id, POINTS)
    row = RedemptionOrder(volunteer_id=vol.id, item_id=item.id, qty=qty, points=points, state="held",
                          pickup_code=f"{secrets.randbelow(100_000_000):08d}", created_by=user_id(),
                          hold_expires_at=clock.utcnow() + timedelta(days=int(api.settings("volunteer")
                                                                              .get("pickup_days") or 14)))
    db.session.add(row)
    db.session.flush()
    txn = ledger.post("REDEEM_HOLD", [ledger.Line(acc, POINTS, -points),
                                      ledger.Line(ledger.system(POINTS, "redeem_hold"), POINTS, points)],
                      today(), f"hold:o{row.id}", source=("order", row.id), memo=item.name, guard=frozenset({acc}),
                      user_id=user_id())
    ledger.consume_lots(acc, points, txn.id)
    row.hold_txn_id = txn.id
    db.session.flush()
    return row


def _move(row: RedemptionOrder, to: str) -> None:
    done = db.session.execute(update(RedemptionOrder).where(RedemptionOrder.id == row.id,
                                                            RedemptionOrder.state == "held")
                              .values(state=to, decided_by=user_id(), decided_at=clock.utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Stale("volunteer/_order_row.html", o=db.session.execute(select(RedemptionOrder).where(
            RedemptionOrder.id == row.id).execution_options(populate_existing=True)).scalar_one(), states=ORDER_STATES)
    db.session.refresh(row)


def fulfil(code: str) -> RedemptionOrder:
    """Staff scan or type the pick-up code: points go to the sink, stock goes out. Final."""
    row = db.session.scalar(select(RedemptionOrder).where(RedemptionOrder.pickup_code == code))
    if row is None or row.state != "held":
        raise Refused(_("领取码无效或已使用"))
    item = db.session.get(RewardItem, row.item_id)
    require("volunteer.redeem.fulfil", item.org_unit_id)
    _move(row, "fulfilled")
    ledger.post("REDEEM_FULFIL", [ledger.Line(ledger.system(POINTS, "redeem_hold"), POINTS, -row.points),
                                  ledger.Line(ledger.system(POINTS, "redeem_sink"), POINTS, row.points)],
                today(), f"fulfil:o{row.id}", source=("order", row.id), memo=item.name, user_id=user_id())
    db.session.execute(update(RewardItem).where(RewardItem.id == item.id).values(
        stock=RewardItem.stock - row.qty, reserved=RewardItem.reserved - row.qty)
        .execution_options(synchronize_session=False))
    db.session.add(StockMovement(item_id=item.id, kind="fulfil", qty=-row.qty, order_id=row.id, created_by=user_id()))
    db.session.flush()
    return row


def release(row: RedemptionOrder, to: str = "cancelled") -> RedemptionOrder:
    """Cancel (volunteer or staff) or expire a held order: the points and the item come back."""
    vol = db.session.get(Volunteer, row.volunteer_id)
    item = db.session.get(RewardItem, row.item_id)
    if user_id() is not None and (vol is None or vol.user_id != user_id()):
        require("volunteer.redeem.fulfil", item.org_unit_id)
    _move(row, to)
    acc = ledger.member(row.volunteer_id, POINTS)
    txn = ledger.post("REDEEM_RELEASE", [ledger.Line(ledger.system(POINTS, "redeem_hold"), POINTS, -row.points),
                                         ledger.Line(acc, POINTS, row.points)],
                      today(), f"release:o{row.id}", source=("order", row.id), memo=item.name, user_id=user_id())
    if row.hold_txn_id:
        ledger.restore_lots(row.hold_txn_id, txn.id)
    db.session.execute(update(RewardItem).where(RewardItem.id == item.id).values(reserved=RewardItem.reserved - row.qty)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    return row


def expire_holds(now=None) -> int:
    now = now or clock.utcnow()
    n = 0
    for row in db.session.scalars(select(RedemptionOrder).where(RedemptionOrder.state == "held",
                                                                RedemptionOrder.hold_expires_at < now)):
        release(row, "expired")
        n += 1
    return n
