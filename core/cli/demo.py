"""``jiceng demo load``: the demo district, what ``make run`` serves."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select, update

from . import fail


@click.group("demo")
def demo_group():
    """Demo data."""


@demo_group.command("load")
@click.option("--households", "households", default="250-450", show_default=True,
              help="households per grid as MIN-MAX (0 for none)")
@click.option("--reset", is_flag=True, help="delete and rebuild the demo tenants' data")
@click.option("--tenants-dir", default=None, type=click.Path(file_okay=False))
@click.option("--window-end", default=None, help="YYYY-MM, the last month of the two-year window")
@with_appcontext
def load(households, reset, tenants_dir, window_end):
    """Apply tenants/xiejiaji and its streets, flag them as demo, and fill synthetic data."""
    from .. import demo
    from ..auth.models import Role, RoleGrant, UserAccount
    from ..auth.passwords import hash_password
    from ..org.models import OrgUnit
    from ..tenancy import definitions
    from ..tenancy.models import Tenant
    from ..tenancy.scopes import system_scope
    from ..tenancy.services import root_unit
    if current_app.config["PRODUCTION"]:
        fail("demo data is never loaded with the production configuration")
    window_end = _window_end(window_end)
    lo, _, hi = households.partition("-")
    span = (int(lo), int(hi or lo))
    root = Path(tenants_dir) if tenants_dir else Path(current_app.root_path).parent / "tenants"
    defs = definitions.ordered(demo.demo_folders(root))
    started = time.monotonic()
    with system_scope("demo load") as session:
        for _folder, definition in defs:
            tenant = session.scalars(select(Tenant).where(Tenant.slug == definition["slug"])).first()
            if tenant is not None and not tenant.is_demo:
                fail(f"{definition['slug']} exists and is not a demo tenant; refusing to touch it")
            if tenant is not None and reset:
                demo.reset_tenant(session, tenant.id)
            definitions.apply(session, definition, force_demo=True)
        streets = [d for _f, d in defs if d["kind"] == "street"]
        plans = demo.category_plans(len(streets))
        quotas = demo.cadre_quotas([len(d["community"]) for d in streets])
        for i, definition in enumerate(streets):
            tenant = session.scalars(select(Tenant).where(Tenant.slug == definition["slug"])).first()
            if demo.is_filled(session, tenant.id):
                click.echo(f"{tenant.slug}: already filled")
                continue
            stats = demo.fill_street(session, tenant, i, span, plans[i], quotas[i], window_end)
            click.echo(f"{tenant.slug}: {stats['households']} households, {stats['people']} people, "
                       f"{stats['central_households']} central households")
        for definition in (d for _f, d in defs if d["kind"] == "district"):
            tenant = session.scalars(select(Tenant).where(Tenant.slug == definition["slug"])).first()
            if demo.is_filled(session, tenant.id):
                continue
            street_rows = [session.scalars(select(Tenant).where(Tenant.slug == d["slug"])).first() for d in streets
                           if d["parent"] == definition["slug"]]
            stats = demo.fill_district(session, tenant, street_rows)
            click.echo(f"{tenant.slug}: {stats['leaders']} county-level leaders, {stats['links']} links to communities")
        for account in demo.ACCOUNTS:
            user = session.scalars(select(UserAccount).where(UserAccount.username == account.username)).first()
            if user is None:
                user = UserAccount(username=account.username, display_name=account.name,
                                   password_hash=hash_password(demo.DEMO_PASSWORD))
                session.add(user)
                session.flush()
            tenant = session.scalars(select(Tenant).where(Tenant.slug == account.tenant)).first()
            unit = (session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tenant.id, OrgUnit.code == account.unit)).first()
                    if account.unit else root_unit(session, tenant.id))
            role = session.scalars(select(Role).where(Role.tenant_id == tenant.id, Role.code == account.role)).first()
            _member(session, user.id, tenant.id)
            if not session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == user.id, RoleGrant.role_id == role.id,
                                                             RoleGrant.org_unit_id == unit.id)):
                session.add(RoleGrant(tenant_id=tenant.id, user_id=user.id, role_id=role.id, org_unit_id=unit.id))
        # the district admin also works in every street as street staff (the tenant switcher shows them)
        admin = session.scalars(select(UserAccount).where(UserAccount.username == "district-admin")).first()
        for definition in streets:
            tenant = session.scalars(select(Tenant).where(Tenant.slug == definition["slug"])).first()
            _member(session, admin.id, tenant.id)
            role = session.scalars(select(Role).where(Role.tenant_id == tenant.id, Role.code == "street_staff")).first()
            unit = root_unit(session, tenant.id)
            if not session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == admin.id, RoleGrant.role_id == role.id)):
                session.add(RoleGrant(tenant_id=tenant.id, user_id=admin.id, role_id=role.id, org_unit_id=unit.id))
    _plugin_demo_data(defs, window_end)
    click.echo(f"demo loaded in {time.monotonic() - started:.1f} s")


def _plugin_demo_data(defs, window_end) -> None:
    """First-party plugins are switched on in every demo tenant; every plugin on there fills its own
    data (``demo_data``) once, marked per plugin and tenant, so a plugin switched on after a load is
    filled by the next one and a load after that changes nothing. Data and mark share a transaction."""
    from .. import clock
    from ..db import db
    from ..plugins import admin
    from ..plugins.manager import registry
    from ..tenancy.models import Tenant, TenantPlugin
    from ..tenancy.scopes import tenant_scope
    reg = registry()
    failed = []
    for _folder, definition in defs:
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == definition["slug"]))
        db.session.remove()
        for name in reg.order():
            with tenant_scope(tenant_id) as session:
                row = session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id,
                                                                 TenantPlugin.plugin == name)).first()
                if row is not None and row.enabled and row.demo_filled_at is not None:
                    continue
                if row is None or not row.enabled:
                    if not reg.plugins[name].first_party:
                        continue  # a third-party plugin is filled once the tenant switches it on
                    admin.enable(tenant_id, name)
                else:
                    admin.prepare(tenant_id, name)  # its data may have been reset
            try:
                with tenant_scope(tenant_id) as session:
                    reg.call_for(name, "demo_data", tenant=session.get(Tenant, tenant_id), scale=1,
                                 window_end=window_end)
                    session.execute(update(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id,
                                                               TenantPlugin.plugin == name)
                                    .values(demo_filled_at=clock.utcnow()))
            except Exception as exc:  # noqa: BLE001 - one plugin's demo must not stop the others
                failed.append(f"{definition['slug']}: {name}: {type(exc).__name__}: {exc}")
                continue
            click.echo(f"{definition['slug']}: demo data of {name}")
    if failed:
        fail("demo data failed (the next load tries again):\n  " + "\n  ".join(failed))


def _window_end(value: str | None):
    """The last day of the window's final month; by default the last complete month."""
    import calendar
    from datetime import date

    from .. import clock
    if value:
        try:
            year, month = (int(x) for x in value.split("-"))
            date(year, month, 1)
        except ValueError:
            fail("--window-end is YYYY-MM")
    else:
        today = clock.utcnow().astimezone(clock.SHANGHAI).date()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return date(year, month, calendar.monthrange(year, month)[1])


def _member(session, user_id: int, tenant_id: int) -> None:
    from ..auth.models import Membership
    if not session.scalar(select(Membership.id).where(Membership.user_id == user_id, Membership.tenant_id == tenant_id)):
        session.add(Membership(user_id=user_id, tenant_id=tenant_id))
        session.flush()


@demo_group.command("accounts")
def accounts():
    """Print the demo sign-ins."""
    from .. import demo
    click.echo(f"Demo sign-ins (password for all: {demo.DEMO_PASSWORD}):")
    for a in demo.ACCOUNTS:
        click.echo(f"  {a.username:<16} {a.name}  {a.role} @ {a.tenant}{' / ' + a.unit if a.unit else ''}")
