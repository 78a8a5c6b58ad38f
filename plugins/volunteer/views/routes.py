"""Every rule of the plugin in one table: (rule, endpoint, view, methods)."""
from __future__ import annotations

from . import activities, bp, ledger, people, posts, public, records, reports, rewards

G, P = ["GET"], ["POST"]
ROUTES = [
    # volunteers and teams
    ("/", "volunteers", people.volunteers, G),
    ("/", "register", people.register, P),
    ("/me", "me", people.me, G),
    ("/<volunteer_volunteer:volunteer_id>", "volunteer", people.volunteer, G),
    ("/<volunteer_volunteer:volunteer_id>/certify", "certify", people.certify, P),
    ("/<volunteer_volunteer:volunteer_id>/account", "link_account", people.link_account, P),
    ("/<volunteer_volunteer:volunteer_id>/consent", "consent", people.consent, P),
    ("/<volunteer_volunteer:volunteer_id>/certificates", "issue", public.issue, P),
    ("/teams", "teams", people.teams, G),
    ("/teams", "create_team", people.create_team, P),
    ("/teams/<volunteer_team:team_id>", "team", people.team, G),
    ("/teams/<volunteer_team:team_id>/join", "team_join", people.team_join, P),
    # posts and claims
    ("/posts", "posts", posts.posts_page, G),
    ("/posts", "create_post", posts.create_post, P),
    ("/posts/<volunteer_post:post_id>/claim", "claim", posts.claim, P),
    ("/claims", "claims_queue", posts.claims_queue, G),
    ("/claims/<volunteer_claim:claim_id>/confirm", "confirm_claim", posts.confirm_claim, P),
    ("/claims/<volunteer_claim:claim_id>/reject", "reject_claim", posts.reject_claim, P),
    ("/claims/<volunteer_claim:claim_id>/end", "end_claim", posts.end_claim, P),
    # activities, sign-up, check-in and out, roster
    ("/activities", "activities", activities.activities_page, G),
    ("/activities", "create_activity", activities.create_activity, P),
    ("/activities/<volunteer_activity:activity_id>", "activity", activities.activity, G),
    ("/activities/<volunteer_activity:activity_id>/signup", "signup", activities.signup, P),
    ("/activities/<volunteer_activity:activity_id>/cancel", "cancel_signup", activities.cancel_signup, P),
    ("/activities/<volunteer_activity:activity_id>/checkin", "check_in", activities.check_in, P),
    ("/activities/<volunteer_activity:activity_id>/checkout", "check_out", activities.check_out, P),
    ("/activities/<volunteer_activity:activity_id>/kiosk", "kiosk", activities.kiosk, G),
    ("/activities/<volunteer_activity:activity_id>/roster", "roster", activities.roster, G),
    ("/activities/<volunteer_activity:activity_id>/roster", "roster_tick", activities.roster_tick, P),
    ("/activities/<volunteer_activity:activity_id>/settle", "settle", activities.settle, P),
    # service records and approval
    ("/approvals", "approvals", records.approvals, G),
    ("/approvals/preview", "batch_preview", records.batch_preview, P),
    ("/approvals/batch", "batch_approve", records.batch_approve, P),
    ("/records", "backfill", records.backfill, P),
    ("/records/<volunteer_record:record_id>/approve", "approve", records.approve, P),
    ("/records/<volunteer_record:record_id>/reject", "reject", records.reject, P),
    ("/records/<volunteer_record:record_id>/return", "return_for_fix", records.return_for_fix, P),
    ("/records/<volunteer_record:record_id>/resubmit", "resubmit", records.resubmit, P),
    ("/records/<volunteer_record:record_id>/void", "void", records.void, P),
    # accounting periods, adjustments and the second approver
    ("/periods", "periods", ledger.periods_page, G),
    ("/periods", "start_closing", ledger.start_closing, P),
    ("/periods/<volunteer_period:period_id>", "period", ledger.period, G),
    ("/periods/<volunteer_period:period_id>/close", "close_period", ledger.close_period, P),
    ("/periods/<volunteer_period:period_id>/cancel", "cancel_closing", ledger.cancel_closing, P),
    ("/periods/<volunteer_period:period_id>/journal.xlsx", "period_export", ledger.period_export, G),
    ("/<volunteer_volunteer:volunteer_id>/adjust", "adjust", ledger.adjust, P),
    ("/second-approvals", "second_approvals", ledger.second_approvals, G),
    ("/second-approvals/<volunteer_request:request_id>/approve", "approve_request", ledger.approve_request, P),
    ("/second-approvals/<volunteer_request:request_id>/reject", "reject_request", ledger.reject_request, P),
    # redemption
    ("/rewards", "rewards", rewards.catalogue, G),
    ("/rewards", "create_item", rewards.create_item, P),
    ("/rewards/<volunteer_reward:item_id>/order", "order", rewards.order, P),
    ("/orders/<volunteer_order:order_id>/cancel", "cancel_order", rewards.cancel_order, P),
    ("/pickup", "pickup", rewards.pickup, ["GET", "POST"]),
    # public boards and certificates
    ("/boards", "boards", public.boards, G),
    ("/boards/<volunteer_unit:unit_id>", "board", public.board, G),
    ("/certificates/<volunteer_certificate:certificate_id>", "certificate", public.certificate, G),
    ("/certificates/<volunteer_certificate:certificate_id>/revoke", "revoke", public.revoke, P),
    ("/verify/<token>", "verify", public.verify, G),
    # reports, exports, widgets
    ("/reports", "reports", reports.reports_page, G),
    ("/reports/employers", "employer_report", posts.employer_report, G),
    ("/exports/<kind>.xlsx", "export", reports.export, G),
    ("/widgets/pending", "widget_pending", reports.widget_pending, G),
    ("/widgets/summary", "widget_summary", reports.widget_summary, G),
]

for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)
