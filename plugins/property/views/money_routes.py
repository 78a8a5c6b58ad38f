"""The subsidy ledger's, the assessment's and the joint meetings' rules, appended to the one route table
(``views.ROUTES``): (rule, endpoint, handler, methods, permission)."""
from __future__ import annotations

from . import assessment, meetings, subsidy

G, P = ["GET"], ["POST"]
MONEY_ROUTES = [
    # 补贴台账
    ("/subsidy", "subsidy", subsidy.ledger_page, G, "property.subsidy.compute"),
    ("/subsidy/run", "subsidy_run", subsidy.run, P, "property.subsidy.compute"),
    ("/subsidy/budget", "subsidy_budget", subsidy.budget, P, "property.subsidy.compute"),
    ("/subsidy/standards", "subsidy_standards", subsidy.standards, G, "property.subsidy.compute"),
    ("/subsidy/standards", "subsidy_add_standard", subsidy.add_standard, P, "property.subsidy.compute"),
    ("/subsidy/queue", "subsidy_queue", subsidy.queue, G, "property.subsidy.review"),
    ("/subsidy/entries/<property_subsidy_entry:entry_id>", "subsidy_voucher", subsidy.voucher, G,
     "property.subsidy.review"),
    ("/subsidy/entries/<property_subsidy_entry:entry_id>/review", "subsidy_review", subsidy.review, P,
     "property.subsidy.review"),
    ("/subsidy/entries/<property_subsidy_entry:entry_id>/approve", "subsidy_approve", subsidy.approve, P,
     "property.subsidy.approve"),
    ("/subsidy/entries/<property_subsidy_entry:entry_id>/disburse", "subsidy_disburse", subsidy.disburse, P,
     "property.subsidy.disburse"),
    ("/subsidy/entries/<property_subsidy_entry:entry_id>/correct", "subsidy_correct", subsidy.correct, P,
     "property.subsidy.compute"),
    ("/subsidy/report", "subsidy_report", subsidy.report_page, G, "property.reports"),
    ("/subsidy/exports/<kind>.xlsx", "subsidy_export", subsidy.export, G, "property.export"),
    ("/widgets/subsidy", "subsidy_widget", subsidy.widget, G, "property.reports"),
    # 考核
    ("/assessments", "assessments", assessment.index, G, "property.assessment.score"),
    ("/assessments", "assessment_start", assessment.start, P, "property.assessment.score"),
    ("/assessments/scheme", "assessment_scheme", assessment.scheme_page, G, "property.assessment.score"),
    ("/assessments/<property_assessment:assessment_id>", "assessment", assessment.sheet, G,
     "property.assessment.score"),
    ("/assessments/<property_assessment:assessment_id>/score", "assessment_score", assessment.score, P,
     "property.assessment.score"),
    ("/assessments/<property_assessment:assessment_id>/<action>", "assessment_act", assessment.act, P,
     "property.assessment.score"),
    # 四方联席会议
    ("/meetings", "meetings", meetings.index, G, "property.meeting.manage"),
    ("/meetings", "meeting_schedule", meetings.schedule, P, "property.meeting.manage"),
    ("/meetings/report", "meeting_report", meetings.report, G, "property.meeting.manage"),
    ("/meetings/<property_meeting:meeting_id>", "meeting", meetings.meeting, G, "property.meeting.manage"),
    ("/meetings/<property_meeting:meeting_id>/record", "meeting_record", meetings.record, P,
     "property.meeting.manage"),
    ("/meetings/<property_meeting:meeting_id>/approve", "meeting_approve", meetings.approve, P,
     "property.meeting.manage"),
    ("/meetings/<property_meeting:meeting_id>/cancel", "meeting_cancel", meetings.cancel, P,
     "property.meeting.manage"),
    ("/meetings/<property_meeting:meeting_id>/actions", "meeting_add_action", meetings.add_action, P,
     "property.meeting.manage"),
    ("/actions/<property_action:action_id>/close", "meeting_close_action", meetings.close_action, P,
     "property.meeting.manage"),
]
