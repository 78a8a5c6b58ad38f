"""工单: the queue (provider columns by state, staff lists, a resident's own), the report form, a ticket's
page with its timeline and the step forms, the supervision queue, incidents and the export."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import db, form_action, get_or_404, Refused

from ..models import Incident, Ticket, TicketCategory
from ..models.tickets import DECLINE_REASONS
from ..schemas import ActIn, IncidentIn, TicketIn
from ..services import scope, supervision, tickets as svc, visibility
from . import labels


def queue():
    stmt = visibility.ticket_query().order_by(Ticket.created_at.desc()).limit(300)
    rows = list(db.session.scalars(stmt))
    provider = visibility.for_provider()
    board = {s: [t for t in rows if t.state == s] for s in ("NEW", "ACCEPTED", "IN_PROGRESS", "DEFERRED", "COMPLETED")}
    return render_template("property/tickets.html", rows=rows, board=board, provider=provider,
                           days_left={t.id: supervision.days_left(t) for t in rows}, **labels.TICKETS, **labels.ALL)


def _form_context(**kw) -> dict:
    compounds = list(db.session.scalars(scope.compound_query("property.ticket.create")))
    categories = list(db.session.scalars(select(TicketCategory).where(TicketCategory.active.is_(True))
                                         .order_by(TicketCategory.id)))
    return {"compounds": compounds, "categories": categories, "promises": {c.id: svc.promise(c) for c in categories},
            "staff_entry": api.has("property.ticket.callback"), "errors": {}, "form": {}, **labels.TICKETS, **kw}


def new():
    return render_template("property/new_ticket.html", **_form_context())


def create():
    def act(data):
        compound = api.org_unit(data.pop("compound_id"))
        if compound is None or compound.kind != "compound" or not scope.may("property.ticket.create", compound):
            raise Refused(_("请选择小区"))
        channel = data.pop("channel")
        on_behalf = channel != "resident_app"
        if on_behalf and not scope.may("property.ticket.callback", compound):
            raise Refused(_("只有社区工作人员可以代居民登记"))
        return svc.create(compound, data, channel=channel, on_behalf=on_behalf)
    return form_action(TicketIn(), act, page="property/new_ticket.html", fragment="property/_ticket_form.html",
                       form_id="ticket-form", context=lambda **kw: _form_context(**kw),
                       done=lambda t: url_for("property.ticket", ticket_id=t.id), message=_("已提交"))


def _ticket_context(ticket: Ticket, **kw) -> dict:
    role = svc.role_of(ticket)
    provider = visibility.for_provider()
    incident = db.session.get(Incident, ticket.incident_id) if ticket.incident_id else None
    category = db.session.get(TicketCategory, ticket.category_id) if ticket.category_id else None
    return {"ticket": ticket, "role": role, "provider": provider, "compound": api.org_unit(ticket.compound_id),
            "actions": svc.timeline(ticket, resident=role == "resident" or role is None),
            "reporter": visibility.reporter_label(ticket, provider),
            "contact": visibility.contact_label(ticket, provider), "incident": incident, "category": category,
            "days_left": supervision.days_left(ticket), "decline_reasons": [(r, svc.decline_label(r))
                                                                          for r in DECLINE_REASONS],
            "errors": {}, "form": {}, **labels.TICKETS, **kw}


def ticket(ticket_id: int):
    t = visibility.visible_ticket(ticket_id)
    return render_template("property/ticket.html", **_ticket_context(t))


def act(ticket_id: int, action: str):
    t = visibility.visible_ticket(ticket_id)
    step = svc.ACTIONS.get(action)
    if step is None:
        abort(404)

    def run(data):
        row = svc.locked(t.id, data.pop("version", None))
        if data.get("reasons"):
            data["reasons"] = [r for r in request.form.getlist("reasons") if r][:6]
        else:
            data["reasons"] = []
        if data.get("overall"):
            data["scores"] = {"overall": data["overall"]}
        return step(row, data)
    return form_action(ActIn(), run, page="property/ticket.html", fragment="property/_ticket_actions.html",
                       form_id=f"act-{action}", context=lambda **kw: _ticket_context(t, **kw),
                       done=lambda row: url_for("property.ticket", ticket_id=row.id), message=_("已办理"))


def supervision_queue():
    rows = [t for t in db.session.scalars(supervision.queue()) if _mine(t)]
    return render_template("property/supervision.html", rows=rows, **labels.TICKETS)


def _mine(ticket: Ticket) -> bool:
    compound = api.org_unit(ticket.compound_id)
    return compound is not None and scope.may("property.ticket.callback", compound)


def community_check(ticket_id: int):
    t = visibility.visible_ticket(ticket_id)

    def run(data):
        if not _mine(t):
            raise Refused(_("只有社区工作人员可以办理这一步"))
        return supervision.community_check(svc.locked(t.id, data.pop("version", None)), data)
    return form_action(ActIn(), run, page="property/ticket.html", fragment="property/_ticket_actions.html",
                       form_id="act-check", context=lambda **kw: _ticket_context(t, **kw),
                       done=lambda row: url_for("property.ticket", ticket_id=row.id), message=_("已记录核查结果"))


def _incident_context(**kw) -> dict:
    rows = list(db.session.scalars(select(Incident).order_by(Incident.window_start.desc()).limit(100)))
    compounds = list(db.session.scalars(scope.compound_query("property.incident.manage")))
    return {"incidents": rows, "compounds": compounds, "names": {c.id: c.name for c in compounds}, "errors": {},
            "form": {}, **labels.TICKETS, **kw}


def incidents():
    return render_template("property/incidents.html", **_incident_context())


def add_incident():
    def run(data):
        compound = api.org_unit(data.pop("compound_id"))
        if compound is None or compound.kind != "compound" or not scope.may("property.incident.manage", compound):
            raise Refused(_("请选择小区"))
        row = Incident(compound_ids=[compound.id], building_ids=[], created_by=api.current().user_id, **data)
        db.session.add(row)
        db.session.flush()
        return row
    return form_action(IncidentIn(), run, page="property/incidents.html", fragment="property/_incident_form.html",
                       form_id="incident-form", context=lambda **kw: _incident_context(**kw),
                       done=lambda _row: url_for("property.incidents"), message=_("已登记"))


def resolve_incident(incident_id: int):
    row = get_or_404(Incident, incident_id)
    row.state = "resolved"
    db.session.commit()
    api.flash(_("已解除"))
    return api.see_other(url_for("property.incidents"))


def export():
    """工单 as XLSX or CSV; for a company's staff the reporter of an anonymous ticket is 匿名 and contacts masked."""
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    provider = visibility.for_provider()
    if not provider and not api.has("property.export"):
        abort(403)
    names = {u.id: u.name for u in db.session.scalars(scope.compound_query())}
    rows = [[t.ref_no, names.get(t.compound_id, ""), str(labels.TICKETS["state_labels"][t.state]), t.description,
             visibility.reporter_label(t, provider), visibility.contact_label(t, provider),
             api.local_dt(t.created_at) if t.created_at else ""]
            for t in db.session.scalars(visibility.ticket_query().order_by(Ticket.id))]
    header = [_("工单号"), _("小区"), _("状态"), _("内容"), _("报事人"), _("联系电话"), _("报事时间")]
    return api.sheets.download(fmt, _("物业工单"), header, rows)
