"""The discussion station's pages: one blueprint, its routes in one table (``ROUTES``), handlers by area."""
from __future__ import annotations

from flask import Blueprint

from core.api import requires

from . import lists, matters, meetings, publicity, reports

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
    ("/report", "report", reports.page, ["GET"], "discussion.reports"),
    ("/report.xlsx", "export", reports.export, ["GET"], "discussion.reports"),
    ("/widget", "widget", reports.widget, ["GET"], "discussion.reports"),
]

for rule, endpoint, handler, methods, permission in ROUTES:
    bp.add_url_rule(rule, endpoint, requires(permission)(handler), methods=methods)
