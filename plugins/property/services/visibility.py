"""Which tickets a user sees: the company's staff their company's tickets in its compounds, the reporter
their own, staff those of the compounds they may see. The reporter of an anonymous ticket is never shown
to the company, on a page or in an export."""
from __future__ import annotations

from sqlalchemy import or_, select

from core import api
from core.api import db

from ..models import Ticket
from . import scope


def ticket_query():
    ctx = api.current()
    companies = scope.companies_of(ctx.user_id)
    if companies:
        return select(Ticket).where(Ticket.provider_id.in_(companies),
                                    Ticket.compound_id.in_(scope.company_compounds(companies, on=_epoch())))
    compounds = select(scope.compound_query("property.view").subquery().c.id)
    return select(Ticket).where(or_(Ticket.compound_id.in_(compounds), Ticket.reporter_user_id == ctx.user_id))


def _epoch():
    from datetime import date
    return date(1900, 1, 1)


def visible_ticket(ticket_id: int) -> Ticket:
    from flask import abort
    ticket = db.session.scalar(ticket_query().where(Ticket.id == ticket_id))
    if ticket is None:
        abort(404)
    return ticket


def for_provider() -> bool:
    return bool(scope.companies_of(api.current().user_id))


def reporter_label(ticket: Ticket, provider_view: bool) -> str:
    """Who reported it, as this viewer may see it: the company never sees an anonymous reporter."""
    from flask_babel import gettext as _
    if ticket.anonymous and provider_view:
        return _("匿名")
    if ticket.reporter_person_id:
        person = api.person(ticket.reporter_person_id)
        if person is not None:
            return person.name
    if ticket.reporter_user_id:
        account = db.session.get(api.Account, ticket.reporter_user_id)
        if account is not None:
            return (account.display_name + (_("（匿名）") if ticket.anonymous else ""))
    return _("社区代报")


def contact_label(ticket: Ticket, provider_view: bool) -> str:
    if not ticket.contact_enc or (ticket.anonymous and provider_view):
        return ""
    return api.mask_phone(ticket.contact_enc) if provider_view else ticket.contact_enc
