"""党代表工作室接待: manifest and hook implementations only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import hookimpl, NavItem, PiiField, Permission, PluginManifest, Widget

MANIFEST = PluginManifest(
    name="office_hours",
    title=_l("党代表工作室接待"),
    description=_l("代表工作室每月接待：排班按工作日历、预约不重号、原话记录、民情事项转办督办直到答复回访，逐月合规台账。"),
    version="1.0.0",
    requires_core=">=1.0,<2",
    requires_core_revision="c0003",
    optional_depends=("grid",),
    settings_schema="plugins.office_hours.schemas:Settings",
    pii=(PiiField(column="office_hours__booking.contact_phone", purpose=_l("预约提醒和变更通知"),
                  basis=_l("履行公共服务职责"), retention_days=365),
         PiiField(column="office_hours__visit.statement_verbatim", purpose=_l("记录居民原话以便办理和答复"),
                  basis=_l("履行公共服务职责"), retention_days=1825),
         PiiField(column="office_hours__issue.contact_phone", purpose=_l("答复和回访"),
                  basis=_l("履行公共服务职责"), retention_days=1825)),
)

STAFF = ("tenant_admin", "street_staff", "community_staff")
DESK = (*STAFF, "intake_clerk")


@hookimpl
def register_blueprints(app):
    from core.api import register_model_converters

    from .models import Booking, Issue, Reception, Representative, Studio, Visit, WaitlistEntry
    from .views import bp
    register_model_converters(app, oh_studio=Studio, oh_reception=Reception, oh_booking=Booking, oh_issue=Issue,
                              oh_visit=Visit, oh_rep=Representative, oh_wait=WaitlistEntry)
    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission("office_hours.view", _l("查看代表接待"), (*DESK, "grid_leader", "grid_worker", "volunteer", "resident")),
        Permission("office_hours.book", _l("预约代表接待"), (*DESK, "volunteer", "resident")),
        Permission("office_hours.reception.manage", _l("管理接待排班（公告、取消、结束）"), STAFF),
        Permission("office_hours.desk", _l("接待现场（登记、签到、记录）"), DESK),
        Permission("office_hours.visit.confidential_view", _l("查看保密的接待记录"), ("tenant_admin", "street_staff")),
        Permission("office_hours.issue.triage", _l("民情事项分办"), STAFF),
        Permission("office_hours.issue.propose", _l("填写拟办意见"), STAFF),
        Permission("office_hours.issue.refer", _l("转办民情事项"), STAFF),
        Permission("office_hours.issue.respond", _l("承办民情事项"), (*STAFF, "grid_leader")),
        Permission("office_hours.issue.feedback", _l("答复和回访"), DESK),
        Permission("office_hours.issue.supervise", _l("督办民情事项"), ("tenant_admin", "street_staff")),
        Permission("office_hours.reports", _l("查看接待合规和统计"), STAFF),
        Permission("office_hours.export", _l("导出接待台账"), ("tenant_admin", "street_staff")),
    ]


@hookimpl
def register_event_types():
    from .events import ALL
    return ALL


@hookimpl
def nav_items(ctx):
    if ctx.kind == "district":
        return []
    return [NavItem("participate", _l("接待日程"), "office_hours.calendar", "office_hours.view", order=40),
            NavItem("participate", _l("预约接待"), "office_hours.book_page", "office_hours.book", order=41),
            NavItem("participate", _l("接待现场"), "office_hours.desk_index", "office_hours.desk", order=42),
            NavItem("participate", _l("民情事项"), "office_hours.issues", "office_hours.issue.triage", order=43),
            NavItem("participate", _l("接待合规"), "office_hours.compliance", "office_hours.reports", order=44),
            NavItem("admin", _l("代表和工作室"), "office_hours.studios", "office_hours.reception.manage", order=55)]


@hookimpl
def dashboard_widgets(ctx):
    if ctx.kind == "district":
        return []
    return [Widget("oh-next", _l("近期代表接待"), "office_hours.widget_next", "office_hours.view", order=40),
            Widget("oh-risk", _l("本月尚未接待的工作室"), "office_hours.widget_risk", "office_hours.reports", order=41),
            Widget("oh-overdue", _l("超期民情事项"), "office_hours.widget_overdue", "office_hours.issue.triage",
                   order=42),
            Widget("oh-satisfaction", _l("近90天满意率"), "office_hours.widget_satisfaction", "office_hours.reports",
                   order=43)]


@hookimpl
def register_jobs():
    from datetime import timedelta

    from core.api import JobSpec

    from . import jobs
    return [JobSpec("office_hours.materialise", timedelta(hours=6), jobs.materialise),
            JobSpec("office_hours.advance", timedelta(minutes=5), jobs.advance),
            JobSpec("office_hours.reminders", timedelta(minutes=5), jobs.reminders),
            JobSpec("office_hours.issue_deadlines", timedelta(minutes=30), jobs.issue_deadlines)]


@hookimpl
def on_event(event, ctx):
    if event.name.startswith(("grid.", "discussion.")):
        from .services.issues import on_outside_event
        on_outside_event(event)


@hookimpl
def demo_data(tenant, scale, window_end):
    from .demo import fill
    fill(tenant, window_end)


@hookimpl
def register_cli_commands(cli):
    from .cli import group
    cli.add_command(group)
