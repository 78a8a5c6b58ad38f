"""``jiceng org stats``: a tenant's 组织建设 figures, counted from its rows (a district's from its streets')."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import fail

LABELS = {
    "streets": "街道", "communities": "社区", "compounds": "小区", "grids": "网格", "households": "户",
    "leaders": "直连社区的县级领导干部", "leader_links": "领导干部与社区的联系", "linked_communities": "有领导干部直连的社区",
    "secretaries": "社区党组织书记", "yijiantiao": "书记、主任一肩挑", "yijiantiao_pct": "一肩挑比例 %",
    "committee": "本届两委成员", "committee_college": "本届大专及以上", "committee_college_pct": "本届大专及以上 %",
    "previous_committee": "上届两委成员", "previous_college": "上届大专及以上", "previous_college_pct": "上届大专及以上 %",
    "college_gain_points": "提高（百分点）", "young_cadres": "年轻干部", "joint_party_orgs": "区直+社区联合党组织",
    "party_members_by_category": "党员五管合一",
}


@click.group("org")
def org_group():
    """The organisation tree and its figures."""


@org_group.command("stats")
@click.option("--tenant", "slug", required=True, help="a district or street slug")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_appcontext
def stats(slug, fmt):
    """Print the figures; a district reads its streets (read-only), a street itself alone."""
    from ..org import figures
    from ..tenancy.context import current, reset_context, set_context
    from ..tenancy.models import Tenant
    from ..tenancy.resolve import widened
    from ..tenancy.scopes import system_scope, tenant_scope
    with system_scope("org stats", read_only=True) as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
        if tenant is None:
            fail(f"no tenant {slug!r}")
        streets = session.execute(select(Tenant.id, Tenant.slug, Tenant.name).where(
            Tenant.parent_id == tenant.id, Tenant.status == "active").order_by(Tenant.id)).all()
        tenant_id, kind = tenant.id, tenant.kind
    with tenant_scope(tenant_id, commit=False, write=False):
        token = set_context(widened(current(), streets if kind == "district" else []))
        try:
            data = figures.as_json(figures.compute(len(streets) if kind == "district" else 1))
        finally:
            reset_context(token)
    if fmt == "json":
        click.echo(json.dumps({"tenant": slug, "kind": kind, **data}, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, dict):
            value = "，".join(f"{k} {v}" for k, v in value.items())
        click.echo(f"{LABELS.get(key, key)}: {value}")
