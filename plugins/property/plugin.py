"""物业管理联动: manifest and hook implementations only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import hookimpl, NavItem, Permission, PluginManifest

MANIFEST = PluginManifest(
    name="property",
    title=_l("物业管理联动"),
    description=_l("党建引领“四位一体”物业管理联动：小区档案与物业全覆盖，报修投诉限时办理，物业不作为按工作日转社区督办，"
                   "由网格员核查。"),
    version="1.0.0",
    requires_core=">=1.0,<2",
    requires_core_revision="c0003",
    settings_schema="plugins.property.schemas:Settings",
    optional_depends=("grid",),
)

ADMINS = ("tenant_admin", "street_staff")
STAFF = ("tenant_admin", "street_staff", "community_staff")
EVERYONE = (*STAFF, "intake_clerk", "grid_leader", "grid_worker", "volunteer", "resident")


@hookimpl
def register_blueprints(app):
    from core.api import register_model_converters

    from . import models
    from .views import bp
    register_model_converters(app, **models.CONVERTERS)
    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission("property.view", _l("查看物业管理联动"), EVERYONE),
        Permission("property.compound.edit", _l("编辑小区档案"), STAFF),
        Permission("property.company.manage", _l("管理物业企业及其员工账号"), ADMINS),
        Permission("property.coverage.edit", _l("登记物业服务期"), STAFF),
        Permission("property.governance.edit", _l("登记业委会、物管会"), STAFF),
        Permission("property.ticket.create", _l("报修、投诉"), EVERYONE),
        # The door for provider staff; the key is their link to a company (物业企业 → 员工), which limits
        # every list and action to the compounds that company serves.
        Permission("property.ticket.provider", _l("以物业企业员工身份处理工单（仅限本企业服务的小区）"), EVERYONE),
        Permission("property.ticket.callback", _l("回访、社区督办"), (*STAFF, "intake_clerk")),
        Permission("property.incident.manage", _l("登记停水停电等批量事件"), STAFF),
        Permission("property.meeting.manage", _l("组织四方联席会议"), STAFF),
        Permission("property.assessment.score", _l("物业考核打分"), STAFF),
        Permission("property.assessment.confirm", _l("确认物业考核结果"), ADMINS),
        Permission("property.subsidy.compute", _l("计算兜底补贴"), ADMINS),
        Permission("property.subsidy.review", _l("社区审核兜底补贴"), STAFF),
        Permission("property.subsidy.approve", _l("街道审批兜底补贴"), ADMINS),
        Permission("property.subsidy.disburse", _l("拨付兜底补贴"), ADMINS),
        Permission("property.owners.read", _l("业委会、物管会成员查看本小区情况"), EVERYONE),
        Permission("property.reports", _l("查看物业统计"), STAFF),
        Permission("property.export", _l("导出物业数据"), STAFF),
    ]


@hookimpl
def register_audit_labels():
    return {"property.coverage.add": _l("登记物业服务期"), "property.company.staff": _l("物业企业员工账号变更")}


@hookimpl
def register_event_types():
    from .events import ALL
    return ALL


@hookimpl
def nav_items(ctx):
    if ctx.kind == "district":
        return [NavItem("service", _l("物业覆盖"), "property.rollup", "property.reports", order=60)]
    return [NavItem("service", _l("小区档案"), "property.index", "property.view", order=60),
            NavItem("service", _l("物业工单"), "property.tickets", "property.view", order=61),
            NavItem("service", _l("社区督办"), "property.supervision", "property.ticket.callback", order=62),
            NavItem("service", _l("覆盖看板"), "property.coverage", "property.reports", order=63),
            NavItem("service", _l("停水停电"), "property.incidents", "property.incident.manage", order=64),
            NavItem("service", _l("物业考核"), "property.assessments", "property.assessment.score", order=65),
            NavItem("service", _l("补贴台账"), "property.subsidy", "property.subsidy.compute", order=66),
            NavItem("service", _l("补贴审核"), "property.subsidy_queue", "property.subsidy.review", order=67),
            NavItem("service", _l("四方联席会议"), "property.meetings", "property.meeting.manage", order=68)]


@hookimpl
def dashboard_widgets(ctx):
    from core.api import Widget
    if ctx.kind == "district":
        return []
    return [Widget("property-subsidy", _l("本月兜底补贴"), "property.subsidy_widget", "property.reports", order=62)]


@hookimpl
def on_tenant_purge(tenant):
    """The subsidy ledger and approved minutes refuse DELETE on PostgreSQL except in a purge."""
    from sqlalchemy import text

    from core.api import db
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jiceng.purge = 'on'"))


@hookimpl
def register_jobs():
    from datetime import timedelta

    from core.api import JobSpec

    from .jobs import coverage_watch, supervise
    return [JobSpec("property.coverage_watch", timedelta(hours=6), coverage_watch),
            JobSpec("property.supervise", timedelta(minutes=15), supervise)]


@hookimpl
def on_tenant_enable(tenant, settings, data_version):
    from .services.categories import seed
    seed()
    return 1


@hookimpl
def on_event(event, ctx):
    if event.name in ("grid.event_created", "grid.check_result", "grid.event_closed"):
        from .services.supervision import from_grid
        from_grid(event)


@hookimpl
def demo_data(tenant, scale, window_end):
    from .demo import fill
    from .demo_money import fill as fill_money
    fill(tenant, window_end)
    fill_money(tenant, window_end)


@hookimpl
def register_cli_commands(cli):
    from .cli import property_group
    from .cli_money import add_commands
    add_commands(property_group)
    cli.add_command(property_group)
