"""Stations, units and the three lists with two-way claims (spec §3.3).

The binding check: for one item the claims in states confirmed, committed, delivered and verified never
add up to more than item.quantity. ``Item.claimed`` carries that sum and is only ever moved by one
conditional UPDATE (``claimed + q <= quantity``), atomic on SQLite and PostgreSQL alike: of two units
confirmed for the last quantity at once, exactly one gets it.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from core import api
from core.api import clock, db, emit, Refused

from ..models import Claim, Cycle, Item, Station, Unit

BINDING = ("confirmed", "committed", "delivered", "verified")
OPEN = ("proposed", "confirmed", "committed")
ITEM_STATES = {"draft": "草稿", "published": "已发布", "partially_claimed": "部分认领", "claimed": "已认领",
               "in_project": "已立项", "fulfilled": "已完成", "closed_unmet": "未满足关闭", "carried_over": "已结转"}
CLAIM_STATES = {"proposed": "待确认", "confirmed": "已确认", "committed": "已承诺", "delivered": "已交付",
                "verified": "已验收", "declined": "已谢绝", "lapsed": "已过期", "withdrawn": "已撤回"}


def station_unit(station: Station):
    return api.org_unit(station.org_unit_id)


def station_of_item(item: Item) -> Station:
    return db.session.get(Station, db.session.get(Cycle, item.cycle_id).station_id)


#: what residents do at the stations that serve them: a grid's resident raises and supports matters at
#: the community's station and the street's, though their own grant sits on the grid below
RESIDENT_FACING = ("discussion.view", "discussion.matter.submit")


def require(permission: str, station: Station) -> None:
    """Views ask before acting: may this user do this at THIS station's unit? (Jobs and events act for
    the station itself and do not ask.)"""
    unit = station_unit(station)
    allowed = unit is not None and (api.serves(permission, unit) if permission in RESIDENT_FACING
                                    else api.can(permission, unit))
    if not allowed:
        raise Refused(_("您没有在该议事站办理此事的权限"))


def add_item(cycle: Cycle, data: dict) -> Item:
    station = db.session.get(Station, cycle.station_id)
    if cycle.phase not in ("collecting", "claiming"):
        raise Refused(_("本季度已过征集和认领阶段，不能再添加清单"))
    unit = db.session.get(Unit, data["owner_unit_id"]) if data.get("owner_unit_id") else None
    if data.get("owner_unit_id") and unit is None:
        raise Refused(_("请选择单位"))
    owner_unit = station_unit(station)
    item = Item(cycle_id=cycle.id, kind=data["kind"], title=data["title"], body=data.get("body", ""),
                category=data.get("category", "共建深化"), quantity=data["quantity"],
                unit_of_measure=data.get("unit_of_measure") or "项", location=data.get("location", ""),
                owner_type="unit" if unit else "community", owner_id=unit.id if unit else station.org_unit_id,
                owner_name=unit.name if unit else owner_unit.name, state="published")
    db.session.add(item)
    db.session.flush()
    return item


def remaining(item: Item) -> int:
    return item.quantity - item.claimed


def propose(item: Item, data: dict) -> Claim:
    """A unit (or a community, for a unit's own demand or resource) asks for part of an item."""
    station = station_of_item(item)
    if item.state not in ("published", "partially_claimed"):
        raise Refused(_("该清单已被认领完毕或已关闭"))
    unit = db.session.get(Unit, data["unit_id"]) if data.get("unit_id") else None
    if data.get("unit_id") and (unit is None or unit.status != "active"):
        raise Refused(_("请选择认领单位"))
    if unit is None and item.owner_type != "unit":
        raise Refused(_("请选择认领单位"))
    if unit is not None and item.owner_type == "unit" and item.owner_id == unit.id:
        raise Refused(_("不能认领本单位发布的清单"))
    if data["quantity"] > remaining(item):
        raise Refused(_("认领数量超过剩余数量（剩余 %(n)s）", n=remaining(item)))
    mirror = db.session.scalar(select(Claim.id).where(
        Claim.item_id == item.id, Claim.state.in_(OPEN),
        Claim.claimant_unit_id == unit.id if unit else Claim.claimant_type == "community"))
    if mirror is not None:
        raise Refused(_("该单位已有一条进行中的认领，可与之合并"))
    community = station_unit(station)
    claim = Claim(item_id=item.id, claimant_type="unit" if unit else "community",
                  claimant_unit_id=unit.id if unit else None,
                  claimant_org_unit_id=None if unit else station.org_unit_id,
                  claimant_name=unit.name if unit else community.name,
                  direction="serve" if item.kind == "demand" else "use", quantity=data["quantity"],
                  plan=data.get("plan", ""), created_by=api.current().user_id)
    db.session.add(claim)
    db.session.flush()
    return claim


def _recompute(item: Item) -> None:
    db.session.refresh(item)
    if item.state in ("published", "partially_claimed", "claimed"):
        item.state = "claimed" if item.claimed >= item.quantity else \
            "partially_claimed" if item.claimed > 0 else "published"


def _move(claim: Claim, sources: tuple, target: str) -> None:
    """Change a claim's state only from where it stands now: a second hand acting at once is refused."""
    done = db.session.execute(update(Claim).where(Claim.id == claim.id, Claim.state.in_(sources))
                              .values(state=target).execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Refused(_("该认领已被他人处理，请刷新"))
    db.session.refresh(claim)


def confirm(claim: Claim, _data: dict | None = None) -> Claim:
    """The counterparty confirms: the quantity is taken from the item in one conditional UPDATE."""
    item = db.session.get(Item, claim.item_id)
    if claim.state != "proposed":
        raise Refused(_("该认领已被他人处理，请刷新"))
    taken = db.session.execute(update(Item).where(Item.id == item.id, Item.claimed + claim.quantity <= Item.quantity)
                               .values(claimed=Item.claimed + claim.quantity, version=Item.version + 1)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise Refused(_("已被认领：剩余数量不足"))
    _move(claim, ("proposed",), "confirmed")
    _recompute(item)
    api.audit.record("discussion.claim.confirm", "discussion_claim", claim.id)
    return claim


def _release(claim: Claim) -> None:
    item = db.session.get(Item, claim.item_id)
    db.session.execute(update(Item).where(Item.id == item.id)
                       .values(claimed=Item.claimed - claim.quantity, version=Item.version + 1)
                       .execution_options(synchronize_session=False))
    _recompute(item)


def decline(claim: Claim, data: dict) -> Claim:
    _move(claim, ("proposed",), "declined")
    claim.decline_reason = data["reason"]
    return claim


def commit(claim: Claim, data: dict) -> Claim:
    _move(claim, ("confirmed",), "committed")
    claim.plan, claim.committed_on = data["plan"], data["committed_on"]
    return claim


def withdraw(claim: Claim, data: dict) -> Claim:
    was = claim.state
    _move(claim, ("proposed", "confirmed", "committed"), "withdrawn")
    claim.withdraw_reason = data["reason"]
    if was in BINDING:
        _release(claim)
    return claim


def deliver(claim: Claim, data: dict) -> Claim:
    _move(claim, ("committed",), "delivered")
    claim.delivered_at, claim.evidence = clock.utcnow(), [data["evidence"]]
    return claim


def verify(claim: Claim, _data: dict | None = None) -> Claim:
    from ..events import ClaimVerified
    item = db.session.get(Item, claim.item_id)
    if claim.created_by is not None and claim.created_by == api.current().user_id:
        raise Refused(_("验收人不能是认领人"))
    _move(claim, ("delivered",), "verified")
    claim.verified_by, claim.verified_at = api.current().user_id, clock.utcnow()
    unit = db.session.get(Unit, claim.claimant_unit_id) if claim.claimant_unit_id else None
    emit(ClaimVerified(claim_id=claim.id, item_id=item.id, unit_id=unit.id if unit else 0,
                       uscc=unit.uscc if unit else "", quantity=claim.quantity))
    return claim


def lapse_due(days: int) -> int:
    """Proposed claims with no answer for ``days`` lapse (the quantity was never taken)."""
    from datetime import timedelta
    cutoff = clock.utcnow() - timedelta(days=days)
    return db.session.execute(update(Claim).where(Claim.state == "proposed", Claim.created_at < cutoff)
                              .values(state="lapsed").execution_options(synchronize_session=False)).rowcount


def deactivate_unit(unit: Unit) -> int:
    """A unit leaves: its committed claims are flagged for reassignment; projects and history stay."""
    unit.status = "inactive"
    claims = db.session.scalars(select(Claim).where(Claim.claimant_unit_id == unit.id,
                                                    Claim.state == "committed")).all()
    for claim in claims:
        claim.flagged = True
    db.session.flush()
    return len(claims)
