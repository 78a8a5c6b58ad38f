"""Work that arrives from other modules by event, read by name and payload only (never by import).

``property.meeting_action_created`` with kind ``co_building``: a four-party meeting (四方联席会议) resolved that
a co-building unit's help is needed, so the community's station gets a demand item (需求清单) in its open
quarter. Payload fields as the property spec gives them: ``action_id``, ``meeting_id``, ``community_id``,
``kind``, ``text``, ``owner``, ``due_on``. Idempotent: one item per action (``source_ref``)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import db

from ..models import Item, Station
from . import cycles


def station_for(unit_id: int | None) -> Station | None:
    """The station of the unit or its nearest ancestor, else the street's."""
    unit = api.org_unit(unit_id) if unit_id else None
    for u in ([unit] + list(reversed(api.ancestors(unit)))) if unit else []:
        station = db.session.scalar(select(Station).where(Station.org_unit_id == u.id, Station.status == "active"))
        if station is not None:
            return station
    return db.session.scalar(select(Station).where(Station.status == "active")
                             .order_by(Station.level.desc(), Station.id).limit(1))


def _intake_cycle(station: Station):
    cycle = cycles.current_cycle(station)
    if cycle.phase in ("collecting", "claiming"):
        return cycle
    y, q = (cycle.year + 1, 1) if cycle.quarter == 4 else (cycle.year, cycle.quarter + 1)
    return cycles.cycle_for(station, y, q)


def from_property_action(event) -> Item | None:
    if getattr(event, "kind", "") != "co_building":
        return None
    action = getattr(event, "action_id", None) or getattr(event, "meeting_action_id", None) or event.id
    ref = f"property:{action}"
    if db.session.scalar(select(Item.id).where(Item.source_ref == ref)) is not None:
        return None
    unit_id = getattr(event, "community_id", None) or getattr(event, "org_unit_id", None)
    station = station_for(unit_id)
    if station is None:
        return None
    cycle = _intake_cycle(station)
    text = (getattr(event, "text", "") or "").strip() or _("四方联席会议提出的共建需求")
    owner = api.org_unit(station.org_unit_id)
    lines = [_("来自四方联席会议的共建事项。")]
    if getattr(event, "owner", ""):
        lines.append(_("责任方：%(o)s", o=event.owner))
    if getattr(event, "due_on", ""):
        lines.append(_("完成期限：%(d)s", d=event.due_on))
    item = Item(cycle_id=cycle.id, kind="demand", title=text[:100], body="\n".join([text, *lines]),
                category="共建深化", owner_type="community", owner_id=station.org_unit_id,
                owner_name=owner.name if owner else "", quantity=1, state="published", source_ref=ref)
    db.session.add(item)
    db.session.flush()
    return item
