"""``jiceng backup PATH`` / ``jiceng restore PATH``: the whole database, every tenant, to one file and back."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import fail, migrate_url


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Write a consistent copy of the whole database to PATH while the application keeps running:
    SQLite through its online backup API, PostgreSQL with pg_dump -Fc as the owner role
    (JICENG_MIGRATE_DATABASE_URL), which reads every tenant's rows."""
    from .. import backup
    try:
        written = backup.backup(migrate_url(), path)
    except backup.BackupError as err:
        fail(str(err))
    click.echo(f"wrote {written} ({written.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="replace what the target database already holds")
@with_appcontext
def restore_command(path, force):
    """Load the backup at PATH into the configured database (JICENG_MIGRATE_DATABASE_URL). The target
    must be empty (a new SQLite file, or a database created by the owner role) unless --force is
    given; stop the application first. Then run `jiceng db upgrade` if the code is newer than the backup."""
    from .. import backup
    try:
        backup.restore(migrate_url(), path, force=force)
    except backup.BackupError as err:
        fail(str(err))
    tables = backup.digest(migrate_url())
    rows = sum(count for name, (count, _sha) in tables.items() if not name.startswith("sequence "))
    click.echo(f"restored {path}: {sum(1 for n in tables if not n.startswith('sequence '))} tables, {rows} rows")
