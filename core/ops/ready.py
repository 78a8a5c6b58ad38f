"""Readiness: the database answers, and every migration branch is at the head this code expects.

A server whose code is newer than its schema (a deploy that skipped ``jiceng db upgrade``, a plugin
installed without its migrations) would fail on its first query of a new column: it reports "not
ready" instead, naming the branches that are behind, so the load balancer keeps sending traffic to
the hosts that are.
"""
from __future__ import annotations

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
    except Exception as exc:  # noqa: BLE001 - readiness reports what is wrong, never raises
        db.session.rollback()
        body.update(status="unavailable", database="unavailable" if is_unavailable(exc) else "error",
                    error=type(exc).__name__)
        return body, False
    finally:
        db.session.rollback()
    if body["behind"]:
        states = {b: body["migrations"][b]["state"] for b in body["behind"]}
        advice = "run `jiceng db upgrade`" if "behind" in states.values() else "deploy the code that migrated it"
        body["status"] = "migrations not at head: " + ", ".join(f"{b} ({state})" for b, state in states.items()) + \
            f"; {advice}"
        return body, False
    return body, True
