"""网格化管理: manifest and hook implementations only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import hookimpl, NavItem, Permission, PluginManifest, Widget

MANIFEST = PluginManifest(
    name="grid",
    title=_l("网格化管理"),
    description=_l("网格事件从上报、受理、立案、派遣、处置、核查到回访结案的闭环，按工作日计算时限，统计口径公开。"),
    version="1.0.0",
    requires_core=">=1.0,<2",
    requires_core_revision="c0003",
    settings_schema="plugins.grid.schemas:Settings",
)

STAFF = ("tenant_admin", "street_staff", "community_staff", "intake_clerk", "grid_leader", "grid_worker")
DISPATCHERS = ("tenant_admin", "street_staff", "community_staff", "intake_clerk")
APPROVERS = ("tenant_admin", "street_staff", "community_staff")
HANDLERS = ("tenant_admin", "street_staff", "community_staff", "grid_leader", "grid_worker")


@hookimpl
def register_blueprints(app):
    from core.api import register_model_converters

    from .models import (Assignment, BurdenReport, Category, Duty, EmergencyMode, GridEvent, MediationCase, Photo,
                         ProxyService, Share, Summons)
    from .views.routes import bp
    register_model_converters(app, grid_event=GridEvent, grid_assignment=Assignment, grid_photo=Photo,
                              grid_category=Category, grid_emergency=EmergencyMode, grid_proxy=ProxyService,
                              grid_mediation=MediationCase, grid_summons=Summons, grid_share=Share, grid_duty=Duty,
                              grid_burden=BurdenReport)
    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission("grid.view", _l("查看网格事件"), STAFF),
        Permission("grid.event.report", _l("上报事件"), (*STAFF, "volunteer", "resident")),
        Permission("grid.event.accept", _l("受理事件"), (*DISPATCHERS, "grid_leader")),
        Permission("grid.event.verify", _l("核实事件"), HANDLERS),
        Permission("grid.event.register", _l("立案"), DISPATCHERS),
        Permission("grid.event.dispatch", _l("派遣事件"), DISPATCHERS),
        Permission("grid.event.handle", _l("处置事件"), HANDLERS),
        Permission("grid.event.check", _l("核查事件"), (*APPROVERS, "grid_leader", "grid_worker")),
        Permission("grid.event.callback", _l("回访"), (*APPROVERS, "intake_clerk")),
        Permission("grid.event.approve_extension", _l("批准延期"), APPROVERS),
        Permission("grid.event.approve_suspension", _l("批准挂账"), APPROVERS),
        Permission("grid.event.merge", _l("合并重复事件"), DISPATCHERS),
        Permission("grid.event.void", _l("撤销事件"), APPROVERS),
        Permission("grid.event.summon", _l("吹哨报到（召集部门）"), APPROVERS),
        Permission("grid.event.share", _l("共享事件给区级部门"), ("tenant_admin", "street_staff")),
        Permission("grid.shared.view", _l("查看街道共享的事件"), ("tenant_admin", "street_staff"), scope="district"),
        Permission("grid.reports.view", _l("查看网格统计"), (*APPROVERS, "grid_leader")),
        Permission("grid.identity.reveal", _l("查看上报人信息"), APPROVERS),
        Permission("grid.sensitive.view", _l("查看关爱走访名单（须选择原因，记入审计）"), HANDLERS),
        Permission("grid.config.grids", _l("网格人员配备"), APPROVERS),
        Permission("grid.config.categories", _l("设置事件类别和时限"), ("tenant_admin", "street_staff")),
        Permission("grid.emergency.approve", _l("批准应急模式"), ("tenant_admin", "street_staff")),
        Permission("grid.log.write", _l("记录服务台账和巡查"), HANDLERS),
        Permission("grid.burden.review", _l("阅处减负投诉建议（街道纪检联系人）"), ("tenant_admin",)),
    ]


@hookimpl
def register_audit_labels():
    from .audit_labels import labels
    return labels()


@hookimpl
def register_event_types():
    from .events import ALL
    return ALL


@hookimpl
def nav_items(ctx):
    if ctx.kind == "district":
        return [NavItem("work", _l("网格统计"), "grid.rollup", "grid.reports.view", order=30),
                NavItem("work", _l("街道共享事件"), "grid.shared", "grid.shared.view", order=31)]
    return [NavItem("work", _l("网格事件"), "grid.events", "grid.view", order=30),
            NavItem("work", _l("网格档案"), "grid.grids_page", "grid.view", order=29),
            NavItem("work", _l("值班表"), "grid.duty", "grid.view", order=36),
            NavItem("work", _l("网格地图"), "grid.map_page", "grid.view", order=29),
            NavItem("work", _l("上报事件"), "grid.new", "grid.event.report", order=31),
            NavItem("work", _l("网格统计"), "grid.stats_page", "grid.reports.view", order=32),
            NavItem("work", _l("代办事项"), "grid.proxy_services", "grid.view", order=33),
            NavItem("work", _l("矛盾调解"), "grid.mediation_cases", "grid.view", order=34),
            NavItem("work", _l("关爱走访"), "grid.visits", "grid.sensitive.view", order=35),
            NavItem("admin", _l("事件类别与时限"), "grid.categories_page", "grid.config.categories", order=50),
            NavItem("admin", _l("应急模式"), "grid.emergency", "grid.emergency.approve", order=51),
            NavItem("admin", _l("减负公示"), "grid.compliance", "grid.view", order=52),
            NavItem("admin", _l("减负投诉建议"), "grid.burden", "grid.view", order=53)]


@hookimpl
def dashboard_widgets(ctx):
    if ctx.kind == "district":
        return [Widget("grid-rollup", _l("网格事件解决情况（各街道）"), "grid.rollup", "grid.reports.view", order=20,
                       scope="district")]
    return [Widget("grid-open", _l("在办事件"), "grid.widget_open", "grid.view", order=20),
            Widget("grid-month", _l("本月网格事件"), "grid.widget_month", "grid.reports.view", order=21)]


@hookimpl
def register_jobs():
    from datetime import timedelta

    from core.api import JobSpec

    from .jobs import (escalation_rules, hotspots, mediation_follow_ups, recompute_provisional, sla_warnings,
                       summons_overdue, visit_reminders)
    from .emergency import purge_expired
    from .snapshots import freeze_due
    return [JobSpec("grid.sla_warnings", timedelta(minutes=15), sla_warnings),
            JobSpec("grid.recompute_provisional", timedelta(hours=1), recompute_provisional),
            JobSpec("grid.escalation_rules", timedelta(minutes=30), escalation_rules),
            JobSpec("grid.summons_overdue", timedelta(minutes=10), summons_overdue),
            JobSpec("grid.hotspots", timedelta(hours=24), hotspots),
            JobSpec("grid.freeze_kpis", timedelta(hours=6), lambda ctx: freeze_due()),
            JobSpec("grid.purge_emergency_routes", timedelta(hours=12), purge_expired),
            # daily reminders, looked at every six hours so they arrive early on their day
            JobSpec("grid.mediation_follow_ups", timedelta(hours=6), mediation_follow_ups),
            JobSpec("grid.visit_reminders", timedelta(hours=6), visit_reminders)]


@hookimpl
def on_tenant_enable(tenant, settings, data_version):
    from .services import seed_categories
    return seed_categories()


@hookimpl
def on_event(event, ctx):
    if event.name == "property.ticket_supervision_escalated":
        from .linked import from_property
        from_property(event)
    elif event.name == "property.ticket_state_changed":
        from .linked import from_property_ticket
        from_property_ticket(event)


@hookimpl
def demo_data(tenant, scale, window_end):
    from .demo import fill
    fill(tenant, window_end)


@hookimpl
def register_cli_commands(cli):
    from .cli import grid_group
    cli.add_command(grid_group)


@hookimpl
def search(ctx, query, limit):
    from .services import search_events
    return search_events(query, limit)


@hookimpl
def export_person(person, ctx):
    from .services import events_reported_by
    return events_reported_by(person)


@hookimpl
def erase_person(person, ctx):
    from .services import erase_reporter
    erase_reporter(person)
