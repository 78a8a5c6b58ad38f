"""志愿积分: manifest and hook implementations only (no logic, no database at import)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import hookimpl, hookspec, NavItem, Permission, PluginManifest, Widget

MANIFEST = PluginManifest(
    name="volunteer",
    title=_l("志愿积分"),
    description=_l("志愿者、队伍、岗位认领、活动签到签退、服务时长审核、积分账本、爱心超市兑换、公示牌和服务证明。"),
    version="1.0.0",
    requires_core=">=1.0,<2",
    requires_core_revision="c0003",
    settings_schema="plugins.volunteer.schemas:Settings",
    optional_depends=("grid",),
    # the ledger itself: corrected by reversals, never rewritten (the balance cache stays writable)
    append_only=("volunteer__txn", "volunteer__entry"),
)

STAFF = ("tenant_admin", "street_staff", "community_staff")
EVERYONE = (*STAFF, "intake_clerk", "grid_leader", "grid_worker", "volunteer")


class VolunteerSpecs:
    @hookspec(firstresult=True)
    def volunteer_has_role(self, person_id, role):
        """Whether a person holds one of the three roles (policy_publicist 政策宣传员, opinion_courier
        民情速递员, mediator 矛盾调解员) in the current tenant: grid picks mediators with it, office
        hours accepts intake from opinion couriers. Call ``current().hooks.volunteer_has_role(...)``;
        implement nothing (this plugin answers)."""


@hookimpl
def register_hookspecs(pm):
    pm.add_hookspecs(VolunteerSpecs)


@hookimpl
def volunteer_has_role(person_id, role):
    from .services.people import has_role
    return has_role(person_id, role)


@hookimpl
def register_blueprints(app):
    from core.api import register_model_converters

    from core.api import OrgUnit

    from .models import AccountingPeriod, Activity, Certificate, PostClaim, RedemptionOrder, RewardItem, \
        SecondApproval, ServicePost, ServiceRecord, Team, Volunteer
    from .views import bp
    register_model_converters(app, volunteer_volunteer=Volunteer, volunteer_team=Team, volunteer_post=ServicePost,
                              volunteer_claim=PostClaim, volunteer_activity=Activity, volunteer_record=ServiceRecord,
                              volunteer_reward=RewardItem, volunteer_order=RedemptionOrder,
                              volunteer_certificate=Certificate, volunteer_unit=OrgUnit,
                              volunteer_period=AccountingPeriod, volunteer_request=SecondApproval)
    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission("volunteer.view", _l("查看志愿服务"), EVERYONE),
        Permission("volunteer.register", _l("登记志愿者"), STAFF),
        Permission("volunteer.team.manage", _l("管理志愿队伍"), STAFF),
        Permission("volunteer.post.manage", _l("发布服务岗位"), STAFF),
        Permission("volunteer.claim.review", _l("确认岗位认领"), STAFF),
        Permission("volunteer.activity.manage", _l("组织志愿活动"), STAFF),
        Permission("volunteer.checkin.assist", _l("现场点名签到"), (*STAFF, "grid_leader", "grid_worker")),
        Permission("volunteer.record.enter", _l("补录服务时长"), STAFF),
        Permission("volunteer.record.approve", _l("审核服务时长"), STAFF),
        Permission("volunteer.record.void", _l("作废已审核的服务记录"), ("tenant_admin", "street_staff")),
        Permission("volunteer.catalog.manage", _l("管理爱心超市"), STAFF),
        Permission("volunteer.redeem.fulfil", _l("兑换核销"), STAFF),
        Permission("volunteer.board.manage", _l("管理公示牌"), STAFF),
        Permission("volunteer.certificate.issue", _l("开具服务证明"), STAFF),
        Permission("volunteer.export", _l("导出志愿服务台账"), STAFF),
        Permission("volunteer.ledger.adjust", _l("奖励或扣减积分"), ("tenant_admin", "street_staff")),
        Permission("volunteer.ledger.second_approve", _l("复核积分调整和已结账期间的作废"),
                   ("tenant_admin", "street_staff")),
        Permission("volunteer.period.close", _l("志愿积分按月结账"), ("tenant_admin", "street_staff")),
    ]


@hookimpl
def register_audit_labels():
    return {
        "volunteer.export": _l("导出志愿服务台账"),
        "volunteer.period_closed": _l("志愿积分：月度结账"),
        "volunteer.adjust": _l("志愿积分：奖励或扣减"),
        "volunteer.second_approval": _l("志愿积分：双人复核"),
        "volunteer.hours_approved": _l("志愿服务时长审核通过"),
        "volunteer.record_voided": _l("志愿服务记录作废"),
        "volunteer.claim_changed": _l("志愿岗位认领变化"),
        "volunteer.role_certified": _l("三员角色认定"),
    }


@hookimpl
def register_event_types():
    from .events import ALL
    return ALL


@hookimpl
def nav_items(ctx):
    if ctx.kind == "district":
        return []
    return [NavItem("service", _l("志愿者"), "volunteer.volunteers", "volunteer.view", order=40),
            NavItem("service", _l("志愿队伍"), "volunteer.teams", "volunteer.view", order=41),
            NavItem("service", _l("服务岗位"), "volunteer.posts", "volunteer.view", order=42),
            NavItem("service", _l("志愿活动"), "volunteer.activities", "volunteer.view", order=43),
            NavItem("service", _l("时长审核"), "volunteer.approvals", "volunteer.record.approve", order=44),
            NavItem("service", _l("爱心超市"), "volunteer.rewards", "volunteer.view", order=45),
            NavItem("service", _l("志愿公示"), "volunteer.boards", "volunteer.view", order=46),
            NavItem("service", _l("志愿报表"), "volunteer.reports", "volunteer.export", order=47)]


@hookimpl
def dashboard_widgets(ctx):
    if ctx.kind == "district":
        return []
    return [Widget("volunteer-pending", _l("待审核服务时长"), "volunteer.widget_pending", "volunteer.record.approve",
                   order=40),
            Widget("volunteer-summary", _l("志愿服务概况"), "volunteer.widget_summary", "volunteer.view", order=41)]


@hookimpl
def register_jobs():
    from datetime import timedelta

    from core.api import JobSpec

    from .jobs import close_forgotten_checkouts, end_claim_terms, expire_holds, expire_points
    return [JobSpec("volunteer.close_forgotten_checkouts", timedelta(minutes=30), close_forgotten_checkouts),
            JobSpec("volunteer.end_claim_terms", timedelta(hours=6), end_claim_terms),
            JobSpec("volunteer.expire_holds", timedelta(hours=1), expire_holds),
            JobSpec("volunteer.expire_points", timedelta(hours=6), expire_points)]


@hookimpl
def on_event(event, ctx):
    if event.name == "grid.event_closed" and getattr(event, "assistants", None):
        from .services.records import from_grid_event
        from_grid_event(event)


@hookimpl
def demo_data(tenant, scale, window_end):
    from .demo import fill
    fill(tenant, window_end)


@hookimpl
def register_cli_commands(cli):
    from .cli import volunteer_group
    cli.add_command(volunteer_group)
