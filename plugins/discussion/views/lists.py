"""三张清单: a station's lists of the open cycle, an item with its claims, claims in both directions."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, render_page_or_fragment

from ..models import Claim, Cycle, Item, Station, Unit
from ..schemas import CATEGORIES, ClaimIn, CommitIn, EvidenceIn, ItemIn, KINDS, ReasonIn
from ..services import cycles, lists as svc


def visible_stations() -> list[Station]:
    """The street's station and those serving the units where the user may look (a grid's resident
    sees the community's station)."""
    stmt = select(Station).order_by(Station.level.desc(), Station.id)
    within = api.units_serving("discussion.view")
    if within is not None:
        stmt = stmt.where((Station.level == "street") | Station.org_unit_id.in_(within))
    return db.session.scalars(stmt).all()


def index():
    stations = visible_stations()
    return render_template("discussion/index.html", stations=stations)


def _station_context(station: Station, **kw) -> dict:
    cycle = cycles.current_cycle(station)
    kind = request.args.get("kind", "demand")
    kind = kind if kind in KINDS else "demand"
    items = db.session.scalars(select(Item).where(Item.cycle_id == cycle.id, Item.kind == kind)
                               .order_by(Item.id.desc()).limit(200)).all()
    units = db.session.scalars(select(Unit).where(Unit.status == "active").order_by(Unit.name)).all()
    return {"station": station, "cycle": cycle, "kind": kind, "kinds": KINDS, "items": items, "units": units,
            "categories": CATEGORIES, "phases": cycles.PHASE_LABELS, "states": svc.ITEM_STATES,
            "errors": {}, "form": {}, **kw}


def station(station_id: int):
    s = get_or_404(Station, station_id)
    return render_page_or_fragment("discussion/station.html", "discussion/_items.html", "items",
                                   **_station_context(s))


def add_item(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    s = db.session.get(Station, cycle.station_id)
    return form_action(ItemIn(), lambda data: guarded("discussion.list.manage", s, svc.add_item, cycle, data), page="discussion/station.html",
                       fragment="discussion/_item_form.html", form_id="item-form",
                       context=lambda **kw: _station_context(s, **kw),
                       done=lambda item: url_for("discussion.item", item_id=item.id), message=_("已发布"))


def advance(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    s = db.session.get(Station, cycle.station_id)
    return form_action(ReasonIn(partial=True),
                       lambda data: guarded("discussion.meeting.manage", s, cycles.advance, cycle, data), page="discussion/station.html",
                       fragment="discussion/_cycle.html", form_id="cycle-form",
                       context=lambda **kw: _station_context(s, **kw),
                       done=lambda c: url_for("discussion.station", station_id=s.id), message=_("已进入下一阶段"))


def _item_context(item: Item, **kw) -> dict:
    claims = db.session.scalars(select(Claim).where(Claim.item_id == item.id).order_by(Claim.id)).all()
    units = db.session.scalars(select(Unit).where(Unit.status == "active").order_by(Unit.name)).all()
    return {"item": item, "claims": claims, "units": units, "station": svc.station_of_item(item),
            "states": svc.ITEM_STATES, "claim_states": svc.CLAIM_STATES, "remaining": svc.remaining(item),
            "errors": {}, "form": {}, **kw}


def item(item_id: int):
    it = get_or_404(Item, item_id)
    return render_page_or_fragment("discussion/item.html", "discussion/_item_card.html", "item-card",
                                   **_item_context(it))


def claim(item_id: int):
    it = get_or_404(Item, item_id)
    station_ = svc.station_of_item(it)
    return form_action(ClaimIn(), lambda data: guarded("discussion.claim.make", station_, svc.propose, it, data), page="discussion/item.html",
                       fragment="discussion/_claim_form.html", form_id="claim-form",
                       context=lambda **kw: _item_context(it, **kw),
                       done=lambda c: url_for("discussion.item", item_id=it.id), message=_("已提出认领，待对方确认"))


CLAIM_ACTIONS = {"confirm": (svc.confirm, ReasonIn(partial=True), "已确认认领", "discussion.claim.confirm"),
                 "decline": (svc.decline, ReasonIn(), "已谢绝", "discussion.claim.confirm"),
                 "commit": (svc.commit, CommitIn(), "已提交服务计划", "discussion.claim.make"),
                 "withdraw": (svc.withdraw, ReasonIn(), "已撤回", "discussion.claim.make"),
                 "deliver": (svc.deliver, EvidenceIn(), "已交付", "discussion.claim.make"),
                 "verify": (svc.verify, ReasonIn(partial=True), "已验收", "discussion.claim.verify")}


def guarded(permission: str, station: Station, service, *args):
    """The object's own unit decides: may this user do this at THIS station?"""
    svc.require(permission, station)
    return service(*args)


def claim_act(claim_id: int, action: str):
    c = get_or_404(Claim, claim_id)
    if action not in CLAIM_ACTIONS:
        from flask import abort
        abort(404)
    service, schema, message, permission = CLAIM_ACTIONS[action]
    it = db.session.get(Item, c.item_id)
    station_ = svc.station_of_item(it)
    return form_action(schema, lambda data: guarded(permission, station_, service, c, data), page="discussion/item.html",
                       fragment="discussion/_item_card.html", form_id="item-card",
                       context=lambda **kw: _item_context(it, **kw),
                       done=lambda _c: url_for("discussion.item", item_id=it.id), message=message)

