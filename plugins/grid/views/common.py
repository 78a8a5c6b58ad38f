"""What every grid page shares: label tables, the user's scope, the grids and categories to choose from."""
from __future__ import annotations

import functools
from datetime import datetime
from http import HTTPStatus
from types import SimpleNamespace

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from core import api
from core.api import (
    OrgUnit,
    ResidentUnit,
    current,
    current_lang,
    db,
    path_filter,
    units_within,
)

from .. import records, services, shares, stats, summons
from ..categories import BUCKETS, LEVELS, SOURCES, STAFF_SOURCES, URGENCIES
from ..deadlines import STAGE_NAMES
from ..machine import (
    ACTIONS,
    CALLBACK_RESULTS,
    CLOSURES,
    REJECT_REASONS,
    RETURN_REASONS,
    STATE_LABELS,
    SUSPEND_REASONS,
    TERMINAL,
)
from ..models import Category, GridEvent, Photo, Subscriber, Summons, Transition
from ..profiles import retired_ids

#: rows per page of the other capped lists (mediation cases, proxy services, emergency modes, shares)
LIST_PAGE = 50




_LABELS: dict[str, dict] = {}


def labels() -> dict:
    """Label tables translated once per language, not once per row."""
    lang = current_lang()
    if lang not in _LABELS:
        _LABELS[lang] = {name: {k: str(v) for k, v in table.items()} for name, table in _label_tables().items()}
    return _LABELS[lang]


EXTRA_STEPS = {"summon": _l("吹哨报到"), "summon_sign": _l("吹哨单位报到"), "summon_respond": _l("吹哨单位反馈"),
               "summon_late": _l("吹哨单位超时未报到"), "share": _l("共享给区级部门"), "unshare": _l("撤回区级共享"),
               "root_cause": _l("填写根源分析"), "subscribe": _l("来电人登记关注"), "merged_in": _l("并入重复事件")}


def _label_tables() -> dict:
    return {"action_names": {**EXTRA_STEPS, **{name: a.label for name, a in ACTIONS.items()}}, "states": STATE_LABELS, "closures": CLOSURES, "bucket_names": BUCKETS, "urgencies": URGENCIES, "levels": LEVELS, "sources": SOURCES, "staff_sources": STAFF_SOURCES,
            "callback_results": CALLBACK_RESULTS, "reject_reasons": REJECT_REASONS,
            "return_reasons": RETURN_REASONS, "suspend_reasons": SUSPEND_REASONS}


def scoped(stmt):
    """Only events in the user's part of the tree: a grid worker sees their grid, a community its
    grids and the events with no grid reported from it (未定位), a summoned unit the events it was called to."""
    units = units_within("grid.view")
    if units is None:
        return stmt
    summoned = select(Summons.event_id).where(Summons.unit_id.in_(units))
    return stmt.where(or_(GridEvent.grid_id.in_(units), GridEvent.handler_unit_id.in_(units), GridEvent.id.in_(summoned),
                          and_(GridEvent.grid_id.is_(None), GridEvent.community_id.in_(units))))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.bucket, Category.code)))


def grids(scoped_to_user: bool = True) -> list[OrgUnit]:
    """Grids to choose from, community by community; staff see the grids of their own part of the tree."""
    stmt = select(OrgUnit).where(OrgUnit.kind == "grid")
    if scoped_to_user:
        stmt = scoped_units(stmt)
    retired = retired_ids()  # grids merged into another take no new work
    rows = [u for u in db.session.scalars(stmt.limit(2000)) if u.id not in retired]
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({g.parent_id for g in rows}))).all())
    found = api.unit_labels(rows)
    for unit in rows:
        unit.community_name = names.get(unit.parent_id, "")
        unit.label = found[unit.id]  # 靠山社区·第1网格: the name people tell apart
    return sorted(rows, key=lambda u: api.label_key(u.label))


def grid_labels(ids) -> dict[int, str]:
    """Display names (community·grid) of these units by id, for lists and exports."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return api.unit_labels(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))))


def scoped_units(stmt):
    condition = path_filter(current().scope_paths("grid.view"))
    return stmt if condition is None else stmt.where(condition)


def scoped_or_404(event_id: int) -> GridEvent:
    ev = db.session.scalars(scoped(_detail_selects()["event"]), {"event_id": event_id}).first()
    if ev is None:
        abort(404)
    return ev


def scoped_with_category_or_404(event_id: int) -> tuple[GridEvent, Category, list, list]:
    """The detail page's event with its category, grid and handling unit (each with its parent's
    kind and name) and its timeline, in one statement: a row per timeline entry, the event's
    columns repeated; 404 outside the user's part of the tree."""
    rows = db.session.execute(scoped(_detail_selects()["event_head"]), {"event_id": event_id}).all()
    if not rows:
        abort(404)
    event, category, grid, grid_kind, grid_name, handler, handler_kind, handler_name = rows[0][:8]
    units = [(u, kind, name) for u, kind, name in ((grid, grid_kind, grid_name), (handler, handler_kind, handler_name))
             if u is not None]
    return event, category, units, [(row[8], row[9]) for row in rows if row[8] is not None]


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def in_scope(stmt, column):
    units = units_within("grid.view")
    return stmt if units is None else stmt.where(column.in_(units))


def event_page(ev: GridEvent, status=HTTPStatus.OK, category: Category | None = None, units: list | None = None,
               timeline: list | None = None, **extra):
    """The event page with what surrounds the card: where the event came from (its first timeline
    entry names the log or patrol it was converted from) and, for a dispute, its mediation case."""
    context = event_context(ev, category=category, units=units, timeline=timeline,
                            **{k: extra.pop(k) for k in ("errors", "form", "open_action") if k in extra})
    first = context["timeline"][0].payload if context["timeline"] else {}
    origin = first.get("from")
    if origin:
        origin = {**origin, "at": datetime.fromisoformat(origin["at"])}
    dispute = context["category"].profile == "DISPUTE"
    context.update({"origin": origin, "dispute": dispute,
                    "mediation": records.case_of_event(ev.id) if dispute else None, "mediation_errors": {},
                    "mediation_form": {}, **extra})
    return render_template("grid/event.html", **context), status


@functools.cache
def _detail_selects() -> dict:
    """The detail page's fixed queries, built once (each request only binds the event)."""
    event_id = bindparam("event_id")
    parent, grid, grid_parent, handler, handler_parent = (aliased(OrgUnit) for _ in range(5))
    return {
        "event": select(GridEvent).where(GridEvent.id == event_id),
        # the detail page's event with its category, units and timeline: one statement (one round trip) for all
        "event_head": select(GridEvent, Category, grid, grid_parent.kind, grid_parent.name,
                             handler, handler_parent.kind, handler_parent.name, Transition, api.Account.display_name)
        .outerjoin(Category, (Category.id == GridEvent.category_id) & (Category.tenant_id == GridEvent.tenant_id))
        .outerjoin(grid, (grid.id == GridEvent.grid_id) & (grid.tenant_id == GridEvent.tenant_id))
        .outerjoin(grid_parent, (grid_parent.id == grid.parent_id) & (grid_parent.tenant_id == grid.tenant_id))
        .outerjoin(handler, (handler.id == GridEvent.handler_unit_id) & (handler.tenant_id == GridEvent.tenant_id))
        .outerjoin(handler_parent, (handler_parent.id == handler.parent_id)
                   & (handler_parent.tenant_id == handler.tenant_id))
        .outerjoin(Transition, (Transition.event_id == GridEvent.id) & (Transition.tenant_id == GridEvent.tenant_id))
        .outerjoin(api.Account, api.Account.id == Transition.actor_id)
        .where(GridEvent.id == event_id).order_by(Transition.id),
        "timeline": select(Transition, api.Account.display_name)
        .outerjoin(api.Account, api.Account.id == Transition.actor_id)
        .where(Transition.event_id == event_id).order_by(Transition.id),
        "photos": select(Photo).where(Photo.event_id == event_id).order_by(Photo.id),
        "subscribers": select(Subscriber).where(Subscriber.event_id == event_id).order_by(Subscriber.id),
        # the grid and handling unit with their parents, whose names label a grid (社区·网格)
        "units": select(OrgUnit, parent.kind, parent.name)
        .outerjoin(parent, (parent.id == OrgUnit.parent_id) & (parent.tenant_id == OrgUnit.tenant_id))
        .where(OrgUnit.id.in_(bindparam("unit_ids", expanding=True))),
    }


def event_context(event: GridEvent, errors=None, form=None, open_action=None, category: Category | None = None,
                  units: list | None = None, timeline: list | None = None) -> dict:
    """``category``, ``units`` (rows of unit, parent kind, parent name) and ``timeline`` (rows of
    entry, actor name) when the caller read them with the event (:func:`scoped_with_category_or_404`)."""
    q = _detail_selects()
    if timeline is None:
        timeline = db.session.execute(q["timeline"], {"event_id": event.id}).all()
    category = category or db.session.get(Category, event.category_id)
    unit_rows = units if units is not None else db.session.execute(
        q["units"], {"unit_ids": [x for x in (event.grid_id, event.handler_unit_id) if x]}).all()
    units = {u.id: u for u, _, _ in unit_rows}
    unit_names = {u.id: api.label_beside_parent(u.kind, u.name, kind, name) for u, kind, name in unit_rows}
    if None in unit_names.values():  # a grid whose community is further up than its parent
        unit_names = api.unit_labels(units.values())
    actions = services.available_actions(event)
    coordinating = (event.state not in TERMINAL and summons.effective_level(event) in (1, 2)
                    and current().has("grid.event.summon")
                    and current().can("grid.event.summon", summons.coordinator_path(event)))
    # the unit list is needed only when this user may dispatch or summon on this event now
    handlers = [] if not (coordinating or any("handler_unit_id" in a.fields for a in actions)) else unit_tree()
    categories = [] if not any(a.name == "recategorise" for a in actions) else list(db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.code)))
    photo_rows = list(db.session.scalars(q["photos"], {"event_id": event.id})) if event.photo_n else []
    subscribers = [] if event.demand_n <= 1 else list(db.session.scalars(q["subscribers"], {"event_id": event.id}))
    summoned = summons.of_event(event.id) if event.max_level >= 1 else []  # only L1/L2 summon
    residents = list(db.session.scalars(select(ResidentUnit).order_by(ResidentUnit.name).limit(500))) \
        if coordinating else []
    hotspot = stats.hotspots(task_id=event.id)[0] if event.source == "PROACTIVE" and event.grid_id else None
    return {"event": event, "category": category, "timeline": [t for t, _ in timeline], "units": units,
            "unit_names": unit_names,
            "handlers": handlers, "categories": categories, "photos": photo_rows, "subscribers": subscribers, "summons": summoned,
            "summon_colour": summons.colour,
            "coordinating": coordinating, "resident_units": residents,
            "share": shares.live_share(event.id) if event.level == shares.L3 else None, "hotspot": hotspot,
            "actors": {t.actor_id: name for t, name in timeline if name}, "actions": actions,
            "errors": errors or {}, "form": form or {},
            "open_action": open_action, "colour": services.sla_colour(event), "stage_names": STAGE_NAMES, "master": (
                db.session.get(GridEvent, event.master_id) if event.master_id else None), **labels()}


def unit_tree() -> list:
    """The street, its communities and their grids as an indented list, each level in natural order
    (第2网格 before 第10网格), grids named with their community."""
    rows = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("grid", "community", "street")))
                                   .limit(1000)))
    names = {u.id: u.name for u in rows}
    found = api.unit_labels(rows)

    def key(unit):
        return tuple(api.natural_key(names.get(int(p), "")) for p in unit.path.strip("/").split("/") if p.isdigit())
    return [SimpleNamespace(id=u.id, name=found[u.id], depth=u.depth) for u in sorted(rows, key=key)]
