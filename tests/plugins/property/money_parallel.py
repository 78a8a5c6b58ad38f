"""Work the parallel-process tests run in each child (imported by module path), and the runner that
starts several processes, each with its own app and database connection, released at once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def with_grants(user_id: int) -> None:
    """Give the current tenant scope the user's grants, as a signed-in request would have them."""
    import dataclasses

    from sqlalchemy import select

    from core.auth.models import Role, RoleGrant
    from core.db import db
    from core.org.models import OrgUnit
    from core.tenancy.context import Grant, current, set_context
    rows = db.session.execute(select(Role.code, Role.permissions, OrgUnit.id, OrgUnit.path)
                              .join(RoleGrant, RoleGrant.role_id == Role.id)
                              .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id).where(RoleGrant.user_id == user_id))
    grants = tuple(Grant(code, frozenset(perms or ()), uid, path) for code, perms, uid, path in rows)
    set_context(dataclasses.replace(current(), grants=grants))



def accrue(worker: int, i: int, compound_id: int, provider_id: int, month: str) -> str:
    from plugins.property.services import subsidy
    entry = subsidy.accrue(compound_id, provider_id, date.fromisoformat(month))
    return f"ok {entry.amount_fen}"


CHILD = r"""
import json, os, sys, time
args = json.loads(sys.argv[1])
from core.testing import build_app
from core.db import db
from core.tenancy import tenant_scope
app = build_app(args["database"])
results = []
with app.app_context():
    import importlib
    module, _, name = args["target"].rpartition(":")
    work = getattr(importlib.import_module(module), name)
    while not os.path.exists(args["go"]):
        time.sleep(0.01)
    from sqlalchemy.exc import OperationalError
    for i in range(args["repeat"]):
        for attempt in range(20):
            try:
                with tenant_scope(args["tenant"], user_id=args.get("user_id")):
                    if args.get("user_id"):
                        from tests.plugins.property.money_parallel import with_grants
                        with_grants(args["user_id"])
                    value = work(args["worker"], i, **args.get("kwargs", {}))
                results.append(value)  # only once the transaction has committed
            except OperationalError as exc:
                # SQLite: BEGIN IMMEDIATE waited past busy_timeout on a loaded machine; nothing was
                # written, so the writer starts its transaction again, as a client would
                db.session.remove()
                if "database is locked" in str(exc) and attempt < 19:
                    time.sleep(0.05)
                    continue
                results.append("refused: " + type(exc).__name__ + ": " + str(exc)[:200])
            except Exception as exc:
                results.append("refused: " + type(exc).__name__ + ": " + str(exc)[:200])
            db.session.remove()
            break
print("RESULTS" + json.dumps(results, default=str))
"""


def run_parallel(database: dict, tenant_id: int, target: str, workers: int, repeat: int = 1, user_ids=None,
                 **kwargs) -> list[list]:
    """Start ``workers`` processes that each call ``target(worker, i, **kwargs)`` ``repeat`` times,
    each call in its own tenant transaction, all released at once; returns each worker's results."""
    go = Path(tempfile.mkdtemp(prefix="jiceng-par-")) / "go"
    procs = []
    env = {**os.environ, "JICENG_ARGON2_CHEAP": "1"}
    for w in range(workers):
        args = {"database": database, "tenant": tenant_id, "target": target, "worker": w, "repeat": repeat,
                "go": str(go), "kwargs": kwargs, "user_id": (user_ids or [None] * workers)[w]}
        procs.append(subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(args)], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    time.sleep(0.5)
    go.touch()
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        line = next((ln for ln in stdout.splitlines() if ln.startswith("RESULTS")), None)
        assert p.returncode == 0 and line, stderr[-3000:]
        out.append(json.loads(line[len("RESULTS"):]))
    return out


