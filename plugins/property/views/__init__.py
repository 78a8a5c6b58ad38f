"""The property module's pages: one blueprint, its routes in one table (``ROUTES``), handlers by area."""
from __future__ import annotations

from flask import Blueprint

from core.api import requires

from . import coverage, registry, tickets, transparency

bp = Blueprint("property", __name__, template_folder="../templates")

#: (rule, endpoint, handler, methods, permission)
ROUTES = [
    ("/", "index", registry.index, ["GET"], "property.view"),
    ("/compounds/<property_compound:compound_id>", "compound", registry.compound, ["GET"], "property.view"),
    ("/compounds/<property_compound:compound_id>/profile", "save_profile", registry.save_profile, ["POST"],
     "property.compound.edit"),
    ("/compounds/<property_compound:compound_id>/coverage", "add_period", registry.add_period, ["POST"],
     "property.coverage.edit"),
    ("/compounds/<property_compound:compound_id>/handover", "handover", registry.handover, ["POST"],
     "property.coverage.edit"),
    ("/compounds/<property_compound:compound_id>/bodies", "add_body", registry.add_body, ["POST"],
     "property.governance.edit"),
    ("/companies", "companies", registry.companies, ["GET"], "property.company.manage"),
    ("/companies/new", "add_company", registry.add_company, ["POST"], "property.company.manage"),
    ("/companies/<property_company:company_id>/staff", "add_staff", registry.add_staff, ["POST"],
     "property.company.manage"),
    ("/staff/<property_staff:staff_id>/remove", "remove_staff", registry.remove_staff, ["POST"],
     "property.company.manage"),
    ("/coverage", "coverage", coverage.page, ["GET"], "property.reports"),
    ("/coverage/rows", "coverage_rows", coverage.rows, ["GET"], "property.reports"),
    ("/rollup", "rollup", coverage.rollup, ["GET"], "property.reports"),
    ("/compounds/<property_compound:compound_id>/sunshine", "sunshine", transparency.page, ["GET"], "property.view"),
    ("/tickets", "tickets", tickets.queue, ["GET"], "property.view"),
    ("/tickets/new", "new_ticket", tickets.new, ["GET"], "property.ticket.create"),
    ("/tickets/new", "create_ticket", tickets.create, ["POST"], "property.ticket.create"),
    ("/tickets/<property_ticket:ticket_id>", "ticket", tickets.ticket, ["GET"], "property.view"),
    ("/tickets/<property_ticket:ticket_id>/act/<action>", "act", tickets.act, ["POST"], "property.view"),
    ("/tickets/<property_ticket:ticket_id>/check", "community_check", tickets.community_check, ["POST"],
     "property.ticket.callback"),
    ("/tickets.xlsx", "export", tickets.export, ["GET"], "property.view"),
    ("/supervision", "supervision", tickets.supervision_queue, ["GET"], "property.ticket.callback"),
    ("/incidents", "incidents", tickets.incidents, ["GET"], "property.incident.manage"),
    ("/incidents/new", "add_incident", tickets.add_incident, ["POST"], "property.incident.manage"),
    ("/incidents/<property_incident:incident_id>/resolve", "resolve_incident", tickets.resolve_incident, ["POST"],
     "property.incident.manage"),
]

from .money_routes import MONEY_ROUTES  # noqa: E402 - the subsidy, assessment and meeting pages

ROUTES += MONEY_ROUTES

for rule, endpoint, handler, methods, permission in ROUTES:
    bp.add_url_rule(rule, endpoint, requires(permission)(handler), methods=methods)
