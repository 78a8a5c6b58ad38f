"""``jiceng db``: schema migrations (run once before the server starts, never in workers)."""
from __future__ import annotations

import click
from alembic.util import CommandError
from flask.cli import with_appcontext

from .. import migrate
from . import fail, migrate_url


@click.group("db")
def db_group():
    """Database schema: core's migrations and each installed plugin's own branch."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True,
              help="How far to take core; plugins always go to their newest revision.")
@with_appcontext
def upgrade(revision):
    """Bring the database up to date: core first, then each installed plugin's branch in
    dependency order (a plugin needing a core migration that is not applied is refused, by name),
    then, on PostgreSQL, the runtime role's table privileges are set to the declared list.

    Prints each branch's revision before and after. Run it once per deploy as the owner role
    (JICENG_MIGRATE_DATABASE_URL), before the server starts; never from workers.
    """
    try:
        warnings = migrate.upgrade(migrate_url(), revision, report=click.echo)
    except migrate.MigrationRefused as err:
        fail(str(err))
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


@db_group.command("downgrade")
@click.argument("revision")
@click.option("--branch", default="core", show_default=True, help="core, or the name of an installed plugin.")
@with_appcontext
def downgrade(revision, branch):
    """Take one branch back to REVISION (``base`` removes all of its tables)."""
    try:
        migrate.downgrade(migrate_url(), revision, branch)
    except migrate.MigrationRefused as err:
        fail(str(err))


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--branch", default="core", show_default=True, help="core, or the name of an installed plugin.")
@click.option("--autogenerate/--empty", default=True, show_default=True)
@with_appcontext
def revision(message, branch, autogenerate):
    """Write the branch's next migration (numbered after its head) from the models: only the
    branch's own tables, tenant tables with create_tenant_table. The database must be up to date."""
    try:
        path = migrate.revision(migrate_url(), message, branch, autogenerate)
    except migrate.MigrationRefused as err:
        fail(str(err))
    except CommandError as err:
        fail(f"{err} (run `jiceng db upgrade` first)" if "not up to date" in str(err) else str(err))
    if path is None:
        click.echo(f"{branch}: the models match the database; nothing written")
    else:
        click.echo(f"wrote {path}")


@db_group.command("status")
@with_appcontext
def status():
    """Each branch (core and every installed plugin's) with the revision applied and its newest."""
    rows = migrate.status(migrate_url())
    table = [("branch", "current", "head", "state")] + [
        (r.branch, r.current or migrate.NONE, r.head or "-", r.state) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        click.echo("  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths)), row[3]]))
    behind = [r.branch for r in rows if r.state == "behind"]
    if behind:
        click.echo(f"behind: {', '.join(behind)}; run `jiceng db upgrade`")


@db_group.command("roles")
@click.option("--admin-url", envvar="JICENG_ADMIN_DATABASE_URL", required=True,
              help="A superuser's URL (only a superuser can grant BYPASSRLS); env JICENG_ADMIN_DATABASE_URL.")
@click.option("--owner", default="jiceng_owner", show_default=True,
              help="Owns the schema and the tables, runs migrations (JICENG_MIGRATE_DATABASE_URL).")
@click.option("--app", "app_role", envvar="JICENG_APP_ROLE", default="jiceng_app", show_default=True,
              help="The runtime role the server connects as (JICENG_DATABASE_URL); env JICENG_APP_ROLE.")
@click.option("--database", default=None, help="Also create this database owned by the owner (or hand it over).")
@click.option("--owner-password-env", metavar="VAR", default=None,
              help="Set the owner's password from this environment variable (never on the command line).")
@click.option("--app-password-env", metavar="VAR", default=None,
              help="Set the runtime role's password from this environment variable.")
def roles(admin_url, owner, app_role, database, owner_password_env, app_password_env):
    """Create the owner role and the runtime role on PostgreSQL, or bring existing ones back to their
    attributes: the owner LOGIN BYPASSRLS NOSUPERUSER; the runtime role LOGIN NOSUPERUSER NOBYPASSRLS,
    owning nothing and not a member of the owner. Safe to run again.

    Then `jiceng db upgrade` as the owner grants the runtime role its table privileges."""
    import os

    from ..tenancy.roles import ensure_roles

    def password(var):
        if var is None:
            return None
        value = os.environ.get(var)
        if not value:
            fail(f"environment variable {var} is empty or not set")
        return value
    if not admin_url.startswith("postgresql"):
        fail("roles exist on PostgreSQL only; SQLite needs none")
    try:
        lines = ensure_roles(admin_url, owner, app_role, password(owner_password_env), password(app_password_env),
                             database)
    except ValueError as err:
        fail(str(err))
    for line in lines:
        click.echo(line)


@db_group.command("citus-plan")
@with_appcontext
def citus_plan():
    """Print the SQL that spreads this schema over a Citus cluster, for the coordinator, once, after
    `jiceng db upgrade`: every declared reference table (core.citus.REFERENCE_TABLES, Alembic's
    version tables) with create_reference_table, then every tenant table with
    create_distributed_table(..., 'tenant_id'), in foreign-key order. Read from the models of core
    and every installed plugin, so a new plugin's tables are listed as soon as it is installed."""
    from flask import current_app

    from .. import citus
    from ..db import db
    from ..migrate_autogen import import_models
    reg = current_app.extensions["jiceng.plugins"]
    import_models(reg)
    versions = ("alembic_version", *(f"alembic_version__{name}" for name, loaded in reg.plugins.items()
                                     if loaded.manifest.migrations_path().is_dir()))
    try:
        lines = citus.plan(db.metadata, versions)
    except ValueError as err:
        fail(str(err))
    click.echo("-- Jiceng on Citus: run once on the coordinator (psql -v ON_ERROR_STOP=1 -f plan.sql), after\n"
               "-- jiceng db upgrade; each call is atomic, and reference tables come before the tables that point at them")
    for line in lines:
        click.echo(line)
