"""Readiness: the database answers, and every migration branch is at the head this code expects.

A server whose code is newer than its schema (a deploy that skipped ``jiceng db upgrade``, a plugin
installed without its migrations) would fail on its first query of a new column: it reports "not
ready" instead, naming the branches that are behind, so the load balancer keeps sending traffic to
the hosts that are.

On SQLite it also reports a database that would refuse every write (``"database": "read-only"`` or
``"full"``), read from cheap facts: a read-only open, a read-only filesystem or file, the disk's free
space and SQLite's own page limit. On PostgreSQL it reports a server that accepts reads only (a
standby, ``default_transaction_read_only``); a full disk there shows only when a write is refused.
"""
from __future__ import annotations

import os
import shutil

from flask import current_app
from sqlalchemy import inspect, text

from ..db import db, is_unavailable


def expected_heads() -> dict[str, tuple[set[str], set[str]]]:
    """Each branch (core, then each installed plugin with migrations): its head revisions and every
    revision it knows, read from the migration scripts once per process."""
    cached = current_app.extensions.get("jiceng.heads")
    if cached is None:
        from alembic.script import ScriptDirectory

        from .. import migrate
        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        cached = {}
        for branch, location in migrate.branches(current_app.extensions["jiceng.plugins"]):
            script = ScriptDirectory.from_config(migrate.alembic_config(url, branch, location))
            cached[branch] = (set(script.get_heads()), {r.revision for r in script.walk_revisions()})
        current_app.extensions["jiceng.heads"] = cached
    return cached


#: below this many free bytes on the database's filesystem, the next write may fail: "full"
MIN_FREE_BYTES = 1 << 20


def sqlite_write_problem(conn) -> str | None:
    """Why every write to this SQLite database would fail now (``"read-only"``, ``"full"``), else ``None``."""
    query = conn.engine.url.query
    if query.get("mode") == "ro" or str(query.get("immutable", "")).lower() in ("1", "true", "yes"):
        return "read-only"
    path = conn.execute(text("PRAGMA database_list")).first()[2]
    if path:  # "" for a database in memory
        folder = os.path.dirname(path)
        if (os.statvfs(folder).f_flag & os.ST_RDONLY or not os.access(path, os.W_OK)
                or not os.access(folder, os.W_OK)):  # the journal is written beside the file
            return "read-only"
        if shutil.disk_usage(folder).free < MIN_FREE_BYTES:
            return "full"
    pages, limit, free = (conn.execute(text(f"PRAGMA {p}")).scalar()
                          for p in ("page_count", "max_page_count", "freelist_count"))
    return "full" if pages >= limit and not free else None


def postgres_write_problem(conn) -> str | None:
    """``"read-only"`` when this PostgreSQL session may not write (a standby, or the server or role set
    to ``default_transaction_read_only``); a full disk shows only when a write is refused."""
    return "read-only" if conn.execute(text("SELECT current_setting('transaction_read_only')")).scalar() == "on" else None


def report() -> tuple[dict, bool]:
    """``({"status": ..., "database": ..., "migrations": {branch: {...}}, "behind": [...]}, ready)``."""
    heads = expected_heads()
    body: dict = {"status": "ok", "database": "ok", "migrations": {}, "behind": []}
    try:
        conn = db.session.connection()
        tables = set(inspect(conn).get_table_names())  # also: the database answers
        for branch, (head, known) in heads.items():
            table = "alembic_version" if branch == "core" else f"alembic_version__{branch}"
            current = set(conn.execute(text(f'SELECT version_num FROM "{table}"')).scalars()) if table in tables else set()
            # a revision this code does not know: the database was migrated by newer code (a rollback)
            state = "up to date" if current == head else "behind" if current <= known else "ahead of this code"
            body["migrations"][branch] = {"current": sorted(current), "head": sorted(head), "state": state}
            if state != "up to date":
                body["behind"].append(branch)
        problem = sqlite_write_problem(conn) if conn.dialect.name == "sqlite" else postgres_write_problem(conn)
    except Exception as exc:  # noqa: BLE001 - readiness reports what is wrong, never raises
        db.session.rollback()
        body.update(status="unavailable", database="unavailable" if is_unavailable(exc) else "error",
                    error=type(exc).__name__)
        return body, False
    finally:
        db.session.rollback()
    if problem is not None:
        body.update(status=f"database {problem}: every write fails; free the disk or make the database writable",
                    database=problem)
        return body, False
    if body["behind"]:
        states = {b: body["migrations"][b]["state"] for b in body["behind"]}
        advice = "run `jiceng db upgrade`" if "behind" in states.values() else "deploy the code that migrated it"
        body["status"] = "migrations not at head: " + ", ".join(f"{b} ({state})" for b, state in states.items()) + \
            f"; {advice}"
        return body, False
    return body, True
