"""Every grid route in one table: URL, endpoint, view, methods.

The endpoint is the name templates and tests use with ``url_for("grid.<endpoint>")``; the view lives
in the module of its area. Each view carries its own permission decorator (``requires``/``audience``)."""
from __future__ import annotations

from flask import Blueprint

from .. import open311
from . import actions, emergency, grids, ledgers, pickers, places, queue, reports, residents

bp = Blueprint("grid", "plugins.grid", template_folder="templates")

#: (url, endpoint, view, methods)
ROUTES = (
    # --- the queue and reporting
    ('/', "events", queue.events, ("GET",)),
    ('/new', "new", queue.new, ("GET",)),
    ('/', "create", queue.create, ("POST",)),
    ('/report', "public_report", queue.public_report, ("GET", "POST",)),
    ('/report/places', "places", places.places, ("GET",)),
    ('/track', "track", residents.track, ("GET", "POST",)),
    ('/duplicates', "duplicates", queue.duplicates, ("GET",)),
    ('/<grid_event:event_id>/subscribe', "subscribe", queue.subscribe, ("POST",)),
    ('/widgets/open', "widget_open", queue.widget_open, ("GET",)),
    ('/widgets/month', "widget_month", queue.widget_month, ("GET",)),
    # --- one event and its actions
    ('/<grid_event:event_id>', "event", actions.event, ("GET",)),
    ('/<grid_event:event_id>/act/<name>', "act", actions.act, ("POST",)),
    ('/<grid_event:event_id>/summons', "summon", actions.summon, ("POST",)),
    ('/summons/<grid_summons:summons_id>/sign', "summon_sign", actions.summon_sign, ("POST",)),
    ('/summons/<grid_summons:summons_id>/respond', "summon_respond", actions.summon_respond, ("POST",)),
    ('/<grid_event:event_id>/share', "share", actions.share, ("POST",)),
    ('/shares/<grid_share:share_id>/withdraw', "withdraw_share", actions.withdraw_share, ("POST",)),
    ('/<grid_event:event_id>/root-cause', "root_cause", actions.root_cause, ("POST",)),
    ('/<grid_event:event_id>/photos', "add_photo", actions.add_photo, ("POST",)),
    ('/photos/<grid_photo:photo_id>', "photo", actions.photo, ("GET",)),
    ('/photos/<grid_photo:photo_id>/thumb', "photo_thumb", actions.photo_thumb, ("GET",)),
    # --- statistics and exports
    ('/stats', "stats_page", reports.stats_page, ("GET",)),
    ('/stats/restate', "restate", reports.restate, ("POST",)),
    ('/rollup', "rollup", reports.rollup, ("GET",)),
    ('/shared', "shared", reports.shared, ("GET",)),
    ('/shared/<grid_share:share_id>', "shared_event", reports.shared_event, ("GET",)),
    ('/export.xlsx', "export", reports.export, ("GET",)),
    ('/stats/figures.xlsx', "export_figures", reports.export_figures, ("GET",)),
    ('/ledger', "ledger", reports.ledger, ("GET",)),
    ('/categories', "categories_page", reports.categories_page, ("GET",)),
    ('/categories/whatif', "whatif", reports.whatif, ("GET",)),
    ('/categories/<grid_category:category_id>', "save_category", reports.save_category, ("POST",)),
    # --- grids and the map
    ('/grids', "grids_page", grids.grids_page, ("GET",)),
    ('/grids/<org_unit:grid_id>', "grid_page", grids.grid_page, ("GET",)),
    ('/map', "map_page", grids.map_page, ("GET",)),
    ('/grids/<org_unit:grid_id>/boundary', "boundary_page", grids.boundary_page, ("GET",)),
    ('/grids/<org_unit:grid_id>/boundary', "redraw_boundary", grids.redraw_boundary, ("POST",)),
    ('/grids/<org_unit:grid_id>/split', "split_grid", grids.split_grid, ("POST",)),
    ('/grids/<org_unit:grid_id>/merge', "merge_grid", grids.merge_grid, ("POST",)),
    ('/grids/<org_unit:grid_id>/poster', "poster", grids.poster, ("GET",)),
    ('/grids/<org_unit:grid_id>/people', "pick_people", pickers.pick_people, ("GET",)),
    ('/pick/units', "pick_units", pickers.pick_units, ("GET",)),
    ('/grids/<org_unit:grid_id>/staff', "assign_staff", grids.assign_staff, ("POST",)),
    ('/assignments/<grid_assignment:assignment_id>/end', "end_assignment", grids.end_assignment, ("POST",)),
    ('/grids/<org_unit:grid_id>/logs', "add_service_log", grids.add_service_log, ("POST",)),
    ('/grids/<org_unit:grid_id>/logs/extra', "service_log_extra", grids.service_log_extra, ("GET",)),
    ('/grids/<org_unit:grid_id>/patrols', "add_patrol", grids.add_patrol, ("POST",)),
    # --- duty and service records
    ('/duty', "duty", ledgers.duty, ("GET",)),
    ('/duty', "add_duty", ledgers.add_duty, ("POST",)),
    ('/duty/<grid_duty:duty_id>/remove', "remove_duty", ledgers.remove_duty, ("POST",)),
    ('/proxy', "proxy_services", ledgers.proxy_services, ("GET",)),
    ('/proxy/<grid_proxy:proxy_id>', "update_proxy", ledgers.update_proxy, ("POST",)),
    ('/mediation/<grid_mediation:case_id>/reveal', "reveal_parties", ledgers.reveal_parties, ("POST",)),
    ('/mediation', "mediation_cases", ledgers.mediation_cases, ("GET",)),
    ('/mediation/<grid_mediation:case_id>', "mediation", ledgers.mediation, ("GET",)),
    ('/mediation/<grid_mediation:case_id>/<step>', "mediation_step", ledgers.mediation_step, ("POST",)),
    ('/<grid_event:event_id>/mediation', "mediate_event", ledgers.mediate_event, ("POST",)),
    ('/visits', "visits", ledgers.visits, ("GET",)),
    ('/visits/export.xlsx', "export_visits", ledgers.export_visits, ("GET",)),
    ('/visits/new', "new_visit_plan", ledgers.new_visit_plan, ("GET",)),
    ('/visits', "add_visit_plan", ledgers.add_visit_plan, ("POST",)),
    # --- emergency mode and 减负
    ('/compliance', "compliance", emergency.compliance, ("GET",)),
    ('/emergency', "emergency", emergency.emergency, ("GET",)),
    ('/emergency', "start_emergency", emergency.start_emergency, ("POST",)),
    ('/emergency/<grid_emergency:mode_id>/end', "end_emergency", emergency.end_emergency, ("POST",)),
    ('/burden', "burden", emergency.burden, ("GET",)),
    ('/burden', "add_burden", emergency.add_burden, ("POST",)),
    ('/burden/<grid_burden:report_id>/answer', "answer_burden", emergency.answer_burden, ("POST",)),
    # --- the Open311 GeoReport v2 API (machine clients)
    (f"{open311.PREFIX}/services.<fmt>", "open311_services", open311.open311_services, ("GET",)),
    (f"{open311.PREFIX}/requests.<fmt>", "open311_requests", open311.open311_requests, ("GET",)),
    (f"{open311.PREFIX}/requests/<ref>.<fmt>", "open311_request", open311.open311_request, ("GET",)),
    (f"{open311.PREFIX}/requests.<fmt>", "open311_create", open311.open311_create, ("POST",)),
)

for _url, _endpoint, _view, _methods in ROUTES:
    bp.add_url_rule(_url, _endpoint, _view, methods=list(_methods))
