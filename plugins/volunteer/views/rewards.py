"""兑换: the catalogue (爱心超市), orders with a pick-up code, and the pick-up desk."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, requires

from ..models import RedemptionOrder, RewardItem
from ..models.rewards import ORDER_STATES
from ..schemas import RewardIn
from ..services import ledger, people, rewards
from .common import act, communities, in_scope


def _context(**kw):
    items = list(db.session.scalars(in_scope(select(RewardItem).where(RewardItem.active.is_(True)),
                                             RewardItem.org_unit_id).order_by(RewardItem.id).limit(200)))
    me = people.mine()
    orders = list(db.session.scalars(select(RedemptionOrder).where(RedemptionOrder.volunteer_id == me.id)
                                     .order_by(RedemptionOrder.id.desc()).limit(20))) if me else []
    return {"items": items, "me": me, "orders": orders, "states": ORDER_STATES,
            "balance": ledger.balances(ledger.MEMBER, me.id)["POINTS"] if me else 0,
            "names": {i.id: i.name for i in items}, "communities": communities("volunteer.catalog.manage"),
            "errors": {}, "form": {}, "error": None, **kw}


@requires("volunteer.view")
def catalogue():
    return render_template("volunteer/rewards.html", **_context())


@requires("volunteer.catalog.manage")
def create_item():
    return form_action(RewardIn(), rewards.create_item, page="volunteer/rewards.html",
                       fragment="volunteer/_reward_form.html", form_id="reward-form", context=_context,
                       done=lambda i: url_for("volunteer.rewards"), message=_("已上架"))


@requires("volunteer.view")
def order(item_id: int):
    item = get_or_404(RewardItem, item_id)

    def run():
        me = people.mine()
        if me is None:
            raise api.Refused(_("您还不是登记的志愿者"))
        return rewards.order(item, me)
    return act(run, done=url_for("volunteer.rewards"), message=_("已下单，请凭领取码到爱心超市领取"))


@requires("volunteer.view")
def cancel_order(order_id: int):
    row = get_or_404(RedemptionOrder, order_id)
    return act(lambda: rewards.release(row), done=url_for("volunteer.rewards"), message=_("已取消，积分已退回"))


@requires("volunteer.redeem.fulfil")
def pickup():
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        return act(lambda: rewards.fulfil(code), done=url_for("volunteer.pickup"), message=_("已核销领取"))
    return render_template("volunteer/pickup.html")
