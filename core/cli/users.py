"""``jiceng users``: accounts for operators (tenant admins manage users from pages)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import fail


@click.group("users")
def users_group():
    """Accounts and grants."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--tenant", "tenant_slug", help="member of this tenant")
@click.option("--role", default=None, help="built-in role code, granted at --unit (default: the tenant's root)")
@click.option("--unit", "unit_code", default=None)
@click.option("--platform-admin", is_flag=True)
@with_appcontext
def create(username, display_name, tenant_slug, role, unit_code, platform_admin):
    """Create an account with a one-time password, printed once."""
    from ..auth.models import UserAccount
    from ..auth.services import create_user
    from ..tenancy.scopes import system_scope
    with system_scope(f"users create {username}") as session:
        if session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
            fail(f"user {username} exists")
        user, otp = create_user(username, display_name, session=session)
        user.is_platform_admin = platform_admin
        if tenant_slug:
            _grant(session, user.id, tenant_slug, role, unit_code)
    click.echo(f"{username} one-time password: {otp}")


def _grant(session, user_id, tenant_slug, role, unit_code):
    from ..auth.models import Role, RoleGrant
    from ..auth.services import ensure_membership
    from ..org.models import OrgUnit
    from ..tenancy.models import Tenant
    from ..tenancy.services import root_unit
    tenant = session.scalars(select(Tenant).where(Tenant.slug == tenant_slug)).first()
    if tenant is None:
        fail(f"no tenant {tenant_slug}")
    ensure_membership(user_id, tenant.id, session)
    if role:
        role_row = session.scalars(select(Role).where(Role.tenant_id == tenant.id, Role.code == role)).first()
        if role_row is None:
            fail(f"no role {role}")
        unit = (session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tenant.id, OrgUnit.code == unit_code)).first()
                if unit_code else root_unit(session, tenant.id))
        if unit is None:
            fail(f"no unit {unit_code}")
        session.add(RoleGrant(tenant_id=tenant.id, user_id=user_id, role_id=role_row.id, org_unit_id=unit.id))


@users_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--tenant", "tenant_slug", required=True)
@with_appcontext
def import_users(path, tenant_slug):
    """Bulk import from XLSX or CSV: 用户名, 姓名, 角色, 节点编码. Prints one-time passwords; all or nothing."""
    from pathlib import Path

    from werkzeug.datastructures import FileStorage

    from ..auth import importer
    from ..db import db
    from ..org import sheets
    from ..tenancy.models import Tenant
    from ..tenancy.scopes import tenant_scope
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == tenant_slug)).first()
    if tenant is None:
        fail(f"no tenant {tenant_slug}")
    tenant_id = tenant.id
    db.session.remove()
    with open(path, "rb") as fh:
        try:
            rows = sheets.read_upload(FileStorage(fh, filename=Path(path).name))
        except sheets.SheetError as err:
            fail(str(err))
    with tenant_scope(tenant_id):
        report = importer.check(rows)
        if report.bad:
            for n, _row, reason in report.bad:
                click.echo(f"row {n}: {reason}", err=True)
            fail("nothing was imported")
        importer.apply(report)
    for username, otp in report.created:
        click.echo(f"{username}\t{otp}")
