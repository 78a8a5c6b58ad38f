"""The discussion station's pages: one blueprint, its routes in one table (``ROUTES``), handlers by area."""
from __future__ import annotations

from flask import Blueprint

from core.api import requires

from . import admin, cycles, lists, matters, meetings, notices, publicity, reports, units

bp = Blueprint("discussion", __name__, template_folder="../templates")

#: (rule, endpoint, handler, methods, permission)
ROUTES = [
    ("/", "lists", lists.index, ["GET"], "discussion.view"),
    ("/stations/<discussion_station:station_id>", "station", lists.station, ["GET"], "discussion.view"),
    ("/cycles/<discussion_cycle:cycle_id>/items", "add_item", lists.add_item, ["POST"], "discussion.list.manage"),
    ("/cycles/<discussion_cycle:cycle_id>/advance", "advance", lists.advance, ["POST"], "discussion.meeting.manage"),
    ("/items/<discussion_item:item_id>", "item", lists.item, ["GET"], "discussion.view"),
    ("/items/<discussion_item:item_id>/claim", "claim", lists.claim, ["POST"], "discussion.claim.make"),
    ("/claims/<discussion_claim:claim_id>/<action>", "claim_act", lists.claim_act, ["POST"], "discussion.view"),
    ("/matters", "matters", matters.index, ["GET"], "discussion.view"),
    ("/stations/<discussion_station:station_id>/matters", "raise_matter", matters.create, ["POST"],
     "discussion.matter.submit"),
    ("/matters/<discussion_matter:matter_id>", "matter", matters.detail, ["GET"], "discussion.view"),
    ("/matters/<discussion_matter:matter_id>/<action>", "matter_act", matters.act, ["POST"], "discussion.view"),
    ("/meetings", "meetings", meetings.index, ["GET"], "discussion.meeting.manage"),
    ("/cycles/<discussion_cycle:cycle_id>/meetings", "schedule", meetings.schedule, ["POST"],
     "discussion.meeting.manage"),
    ("/meetings/<discussion_meeting:meeting_id>", "meeting", meetings.desk, ["GET"], "discussion.meeting.manage"),
    ("/meetings/<discussion_meeting:meeting_id>/<action>", "meeting_act", meetings.act, ["POST"],
     "discussion.meeting.manage"),
    ("/publicity/<discussion_publicity:publicity_id>", "publicity", publicity.notice, ["GET"], "discussion.view"),
    ("/publicity/<discussion_publicity:publicity_id>/object", "object", publicity.object_, ["POST"],
     "discussion.view"),
    ("/objections/<discussion_objection:objection_id>/answer", "answer", publicity.answer, ["POST"],
     "discussion.objection.answer"),
    ("/projects/<discussion_project:project_id>", "project", publicity.project, ["GET"], "discussion.view"),
    ("/projects/<discussion_project:project_id>/progress", "progress", publicity.progress, ["POST"],
     "discussion.project.manage"),
    ("/cycles/<discussion_cycle:cycle_id>/rollover", "rollover", cycles.rollover, ["GET", "POST"],
     "discussion.cycle.rollover"),
    ("/stations/<discussion_station:station_id>/proxy", "start_proxy", matters.start_proxy, ["POST"],
     "discussion.matter.on_behalf"),
    ("/proxies/<discussion_proxy:proxy_id>/end", "end_proxy", matters.end_proxy, ["POST"],
     "discussion.matter.on_behalf"),
    ("/meetings/<discussion_meeting:meeting_id>/ledger", "ledger", reports.ledger, ["GET"],
     "discussion.meeting.manage"),
    # the public notice board (a QR code on the bulletin board); objections need a signed-in resident
    ("/stations/<discussion_station:station_id>/notices", "public_notices", notices.board, ["GET"], None),
    ("/stations/<discussion_station:station_id>/board", "notices", notices.resident_board, ["GET"], "discussion.view"),
    ("/stations/<discussion_station:station_id>/notices/<discussion_publicity:publicity_id>/object",
     "public_object", notices.object_, ["POST"], "discussion.view"),
    # administration: stations and members, co-building units and covenants
    ("/admin/stations", "admin_stations", admin.stations, ["GET"], "discussion.meeting.manage"),
    ("/admin/stations", "admin_create_station", admin.create_station, ["POST"], "discussion.unit.manage"),
    ("/admin/stations/<discussion_station:station_id>", "admin_station", admin.station, ["GET"],
     "discussion.meeting.manage"),
    ("/admin/stations/<discussion_station:station_id>", "admin_update_station", admin.update_station, ["POST"],
     "discussion.unit.manage"),
    ("/admin/stations/<discussion_station:station_id>/members", "admin_add_member", admin.add_member, ["POST"],
     "discussion.meeting.manage"),
    ("/admin/members/<discussion_member:member_id>", "admin_member", admin.member, ["GET"],
     "discussion.meeting.manage"),
    ("/admin/members/<discussion_member:member_id>", "admin_update_member", admin.update_member, ["POST"],
     "discussion.meeting.manage"),
    ("/units", "units", units.units, ["GET"], "discussion.list.manage"),
    ("/units", "create_unit", units.create_unit, ["POST"], "discussion.unit.manage"),
    ("/units/<discussion_unit:unit_id>", "unit", units.unit, ["GET"], "discussion.list.manage"),
    ("/units/<discussion_unit:unit_id>", "update_unit", units.update_unit, ["POST"], "discussion.unit.manage"),
    ("/units/<discussion_unit:unit_id>/covenants", "add_covenant", units.add_covenant, ["POST"],
     "discussion.unit.manage"),
    ("/covenants/<discussion_covenant:covenant_id>", "covenant", units.covenant, ["GET"], "discussion.unit.manage"),
    ("/covenants/<discussion_covenant:covenant_id>", "update_covenant", units.update_covenant, ["POST"],
     "discussion.unit.manage"),
    ("/unit-report", "unit_report", reports.unit_report, ["GET"], "discussion.reports"),
    ("/unit-report.xlsx", "unit_report_export", reports.unit_report_export, ["GET"], "discussion.reports"),
    ("/report", "report", reports.page, ["GET"], "discussion.reports"),
    ("/report.xlsx", "export", reports.export, ["GET"], "discussion.reports"),
    ("/widget", "widget", reports.widget, ["GET"], "discussion.reports"),
]

for rule, endpoint, handler, methods, permission in ROUTES:
    bp.add_url_rule(rule, endpoint, requires(permission)(handler) if permission else handler, methods=methods)
