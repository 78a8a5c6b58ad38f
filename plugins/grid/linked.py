"""Events made from another module's escalation (docs/grid.md, property): a property ticket the company
left untouched for three working days becomes a community-level (L1) event with source PROPERTY and the
ticket's history on its timeline. Its check is done by a grid worker of the compound's grid, never by
an account the company employs (the module names them in ``excluded_checkers``)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import clock, db, emit

from . import authority, events as ev, notices
from .deadlines import set_stage
from .linked_checks import SOURCE, conflict, excluded_checkers, origin_of  # noqa: F401 (the module's surface)
from .models import Category, GridEvent
from .rows import log_transition
from .services.reporting import report_event

CATEGORY = "UP-PROPERTY"


def _title(ref_no: str) -> str:
    return f"物业督办 {ref_no}"


def from_property(event) -> GridEvent | None:
    """property.ticket_supervision_escalated → one grid event (idempotent on the ticket's reference)."""
    title = _title(event.ref_no)
    if db.session.scalar(select(GridEvent.id).where(GridEvent.source == SOURCE, GridEvent.title.startswith(title))):
        return None
    category = db.session.scalar(select(Category).where(Category.code == CATEGORY, Category.active.is_(True))) or \
        db.session.scalar(select(Category).where(Category.bucket == "URBAN_PROPERTY", Category.active.is_(True)))
    if category is None:
        return None
    history = "\n".join(f"{h.get('at', '')[:16].replace('T', ' ')} {h.get('action') or h.get('kind')}"
                        f"{'：' + h['text'] if h.get('text') else ''}" for h in (event.history or []))
    description = (f"{event.compound_name} · {event.category}\n{event.description}\n"
                   f"{_('物业企业')}：{event.provider_name or '—'}\n{_('工单经过')}：\n{history}")
    grid = api.org_unit(event.grid_id) if event.grid_id else None
    data = {"title": f"{title}：{event.description[:40]}", "description": description, "category_id": category.id,
            "grid_id": grid.id if grid is not None and grid.kind == "grid" else None, "case_no": event.case_no or None,
            "address": event.compound_name}
    origin = {"kind": "property.ticket", "at": api.clock.utcnow().isoformat(), "ticket_id": event.ticket_id, "ref_no": event.ref_no,
              "provider_id": event.provider_id, "excluded_checkers": list(event.excluded_checkers or []),
              "history": event.history or []}
    made = report_event(data, SOURCE, None, origin=origin)
    if made.level < 1:  # at community level (L1) whatever the category says
        made.level, made.max_level = 1, max(made.max_level, 1)
    if made.grid_id is None:
        made.community_id = event.community_id or None
    db.session.flush()
    return made


def from_property_ticket(event) -> GridEvent | None:
    """property.ticket_state_changed of a mirror: the company completed the work → the linked event waits
    for its check (T18), with a checker from the compound's grid; the company's completion closes nothing."""
    if not event.is_mirror or event.to_state != "COMPLETED" or not event.case_no:
        return None
    made = _by_case(event.case_no)
    if made is None or made.state != "IN_PROGRESS":
        return None
    before = made.state
    made.result, made.closure_type = event.result or _("物业已处理完成"), made.closure_type or "RESOLVED"
    made.handled_by = None
    made.checker_id = authority.assign_checker(made)
    set_stage(made, "check", db.session.get(Category, made.category_id), clock.utcnow())
    made.state, made.version = "AWAITING_CHECK", made.version + 1
    log_transition(made, "T18", "submit_result", before, "AWAITING_CHECK", None, None,
                   {"property_ticket_id": event.ticket_id})
    db.session.flush()
    notices.after_action(made, "submit_result", before, "AWAITING_CHECK", {})
    emit(ev.EventStateChanged(event_id=made.id, from_state=before, to_state="AWAITING_CHECK", action="submit_result"))
    return made


def _by_case(case_no: str) -> GridEvent | None:
    for made in db.session.scalars(select(GridEvent).where(GridEvent.source == SOURCE).order_by(GridEvent.id.desc())):
        if api.case_number("grid.event", made.id) == case_no:
            return made
    return None
