"""党群议事站: manifest and hook implementations only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import hookimpl, NavItem, Permission, PluginManifest, Widget

MANIFEST = PluginManifest(
    name="discussion",
    title=_l("党群议事站"),
    description=_l("契约化共建的需求、资源、项目三张清单双向认领，季度联席会议按法定人数议事表决，结果公示接受异议。"),
    version="1.0.0",
    requires_core=">=1.0,<2",
    requires_core_revision="c0003",
    settings_schema="plugins.discussion.schemas:Settings",
    optional_depends=("office_hours", "grid", "property", "volunteer"),
)

STAFF = ("tenant_admin", "street_staff", "community_staff")
EVERYONE = (*STAFF, "intake_clerk", "grid_leader", "grid_worker", "volunteer", "resident")


@hookimpl
def register_blueprints(app):
    from core.api import register_model_converters

    from .models import (Claim, Covenant, Cycle, Item, Matter, Meeting, Member, Objection, Project, Proxy,
                         Publicity, Station, Unit)
    from .views import bp
    register_model_converters(app, discussion_station=Station, discussion_item=Item, discussion_claim=Claim,
                              discussion_matter=Matter, discussion_meeting=Meeting, discussion_cycle=Cycle,
                              discussion_project=Project, discussion_publicity=Publicity,
                              discussion_objection=Objection, discussion_unit=Unit,
                              discussion_member=Member, discussion_covenant=Covenant, discussion_proxy=Proxy)
    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission("discussion.view", _l("查看党群议事站"), EVERYONE),
        Permission("discussion.matter.submit", _l("提出议题"), EVERYONE),
        Permission("discussion.matter.on_behalf", _l("代居民提出议题"), (*STAFF, "intake_clerk")),
        Permission("discussion.matter.screen", _l("议题初审"), STAFF),
        Permission("discussion.list.manage", _l("管理三张清单"), STAFF),
        Permission("discussion.claim.make", _l("认领清单"), STAFF),
        Permission("discussion.claim.confirm", _l("确认认领"), STAFF),
        Permission("discussion.claim.verify", _l("验收认领"), STAFF),
        Permission("discussion.meeting.manage", _l("组织联席会议"), STAFF),
        Permission("discussion.vote.record", _l("记录表决"), STAFF),
        Permission("discussion.minutes.approve", _l("审定会议纪要"), STAFF),
        Permission("discussion.project.manage", _l("管理共建项目"), STAFF),
        Permission("discussion.publicity.manage", _l("管理公示"), STAFF),
        Permission("discussion.objection.answer", _l("答复异议"), STAFF),
        Permission("discussion.unit.manage", _l("管理共建单位"), ("tenant_admin", "street_staff")),
        Permission("discussion.cycle.rollover", _l("季度结转"), ("tenant_admin", "street_staff")),
        Permission("discussion.reports", _l("查看议事统计"), STAFF),
    ]


@hookimpl
def register_event_types():
    from .events import ALL
    return ALL


@hookimpl
def nav_items(ctx):
    if ctx.kind == "district":
        return []
    return [NavItem("participate", _l("三张清单"), "discussion.lists", "discussion.view", order=40),
            NavItem("participate", _l("议题"), "discussion.matters", "discussion.view", order=41),
            NavItem("participate", _l("联席会议"), "discussion.meetings", "discussion.meeting.manage", order=42),
            NavItem("participate", _l("议事统计"), "discussion.report", "discussion.reports", order=43),
            NavItem("participate", _l("议事站管理"), "discussion.admin_stations", "discussion.meeting.manage", order=44),
            NavItem("participate", _l("共建单位"), "discussion.units", "discussion.list.manage", order=45)]


@hookimpl
def dashboard_widgets(ctx):
    if ctx.kind == "district":
        return []
    return [Widget("discussion-overview", _l("党群议事站"), "discussion.widget", "discussion.reports", order=40)]


@hookimpl
def register_jobs():
    from datetime import timedelta

    from core.api import JobSpec

    from .jobs import covenant_alerts, lapse_claims
    return [JobSpec("discussion.lapse_claims", timedelta(hours=6), lapse_claims),
            JobSpec("discussion.covenant_alerts", timedelta(hours=12), covenant_alerts)]


@hookimpl
def on_event(event, ctx):
    if event.name in ("office_hours.issue_escalated", "grid.collective_matter_flagged"):
        from .services.matters import from_event
        from_event(event)
    elif event.name == "property.meeting_action_created":
        from .services.intake import from_property_action
        from_property_action(event)


@hookimpl
def demo_data(tenant, scale, window_end):
    from .demo import fill
    fill(tenant, window_end)


@hookimpl
def register_cli_commands(cli):
    from .cli import discussion_group
    cli.add_command(discussion_group)
