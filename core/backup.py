"""Backups of the whole database, taken while the application keeps writing, and their restore.

SQLite: SQLite's online backup API copies every page in one step under a read transaction, so the
copy is the database as of one moment (WAL lets writers carry on meanwhile); it is written next to
the target and renamed into place, so a half-written file is never mistaken for a backup.
PostgreSQL: ``pg_dump -Fc`` (one snapshot, compressed custom format) as the owner role, which
bypasses row-level security and so dumps every tenant's rows; ``pg_restore`` in one transaction, so
a failed restore leaves the target as it was.

A restore refuses a target that already holds tables unless ``force`` is given.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why, for the operator."""


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_env(url: str) -> tuple[list[str], dict]:
    """libpq arguments for ``pg_dump``/``pg_restore``; the password goes through the environment."""
    parsed = make_url(url)
    args = ["--dbname", parsed.database or "postgres"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(url: str, path: str | Path) -> Path:
    """Write a consistent copy of the database at ``url`` to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        source_file = _sqlite_file(url)
        if not source_file.exists():
            raise BackupError(f"{source_file} does not exist")
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
        target = sqlite3.connect(partial)
        try:
            source.execute("PRAGMA busy_timeout = 5000")
            source.backup(target)  # all pages in one step: one consistent snapshot
        finally:
            target.close()
            source.close()
    elif backend == "postgresql":
        args, env = _pg_env(url)
        done = subprocess.run([_tool("pg_dump"), "--format=custom", "--file", str(partial), *args],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    else:
        raise BackupError(f"no backup for {backend} databases")
    partial.replace(path)
    return path


def table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def restore(url: str, path: str | Path, force: bool = False) -> None:
    """Load the backup at ``path`` into the database at ``url`` (an empty one, unless ``force``)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a backup file")
    backend = make_url(url).get_backend_name()
    existing = table_names(url) if backend != "sqlite" or _sqlite_file(url).exists() else []
    if existing and not force:
        raise BackupError(f"the target database already holds {len(existing)} tables; "
                          f"restore into an empty database, or pass --force to replace it")
    if backend == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            check = source.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as err:
            raise BackupError(f"{path} is not a SQLite backup: {err}") from err
        if check != "ok":
            source.close()
            raise BackupError(f"{path} is damaged: {check}")
        target = sqlite3.connect(_sqlite_file(url))
        try:
            target.execute("PRAGMA busy_timeout = 5000")
            source.backup(target)  # replaces every page of the target, in one step
        finally:
            target.close()
            source.close()
    elif backend == "postgresql":
        args, env = _pg_env(url)
        command = [_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner", *args]
        if force:
            command += ["--clean", "--if-exists"]
        done = subprocess.run([*command, str(path)], env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed (the target is unchanged): {done.stderr.strip()}")
    else:
        raise BackupError(f"no restore for {backend} databases")


def digest(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 over its rows in key order: two databases with the same
    digest hold the same rows. Read as the owner role on PostgreSQL (all tenants' rows)."""
    engine = create_engine(url)
    result = {}
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            from sqlalchemy import MetaData, Table
            metadata = MetaData()
            for name in sorted(inspector.get_table_names()):
                table = Table(name, metadata, autoload_with=conn)
                order = [table.c[c] for c in inspector.get_pk_constraint(name)["constrained_columns"]] or list(table.c)
                sha, count = hashlib.sha256(), 0
                for row in conn.execute(select(table).order_by(*order)):
                    sha.update(repr(tuple(row)).encode())
                    count += 1
                result[name] = (count, sha.hexdigest())
            if conn.dialect.name == "postgresql":  # sequences go on from where they were
                for name, value in conn.execute(text("SELECT sequencename, last_value FROM pg_sequences "
                                                     "WHERE schemaname = 'public'")):
                    result[f"sequence {name}"] = (value or 0, "")
    finally:
        engine.dispose()
    return result
