"""A street with a community, people, volunteers and the staff who run volunteer work; and a way
to run the same work in several processes at once (each its own app and database connection)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import login

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class VolWorld:
    street: object
    community: object
    other_community: object
    admin: object
    staff: object
    other_staff: object
    people: list


@pytest.fixture
def vw(app, create_tenant, create_unit, create_user, create_person, enable_plugin):
    street = create_tenant(name="蔡家岗街道")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    other = create_unit(street, street.root_id, "community", "和谐社区")
    enable_plugin(street, "volunteer")
    people = [create_person(street, f"张{n}华", org_unit_id=community.id) for n in "一二三四五六"]
    return VolWorld(street, community, other, admin=create_user(street, "tenant_admin"),
                    staff=create_user(street, "community_staff", unit_id=community.id),
                    other_staff=create_user(street, "community_staff", unit_id=community.id), people=people)


def in_tenant(app, tenant, fn, user_id=None):
    """Run ``fn()`` in the tenant's scope and commit; returns its result."""
    with app.app_context(), tenant_scope(tenant.id, user_id=user_id):
        if user_id is not None:
            from .parallel_work import with_grants
            with_grants(user_id)
        return fn()


def client_for(app, account):
    c = app.test_client()
    login(c, account)
    return c


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
                        from tests.plugins.volunteer.parallel_work import with_grants
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


def db_session():
    return db.session


def register(app, vw, person_index: int, kind: str = "in_service_member", user=None, role=None, **extra):
    """Register one of the world's people as a volunteer (as the admin); link ``user`` as their account."""
    from plugins.volunteer.models import Volunteer
    from plugins.volunteer.services import people

    def run():
        vol = people.register({"person_id": vw.people[person_index].id, "kind": kind, "role": role, **extra})
        if user is not None:
            vol.user_id = user.id
        db.session.flush()
        return vol.id
    with app.app_context(), tenant_scope(vw.street.id, user_id=vw.admin.id):
        from .parallel_work import with_grants
        with_grants(vw.admin.id)
        from core.org.models import Person
        db.session.get(Person, vw.people[person_index].id).party_member = True
        db.session.flush()
        vid = run()
    del Volunteer
    return vid


def make_post(app, vw, capacity=1, kind="resident_service", requires_review=True, **extra) -> int:
    from plugins.volunteer.services import posts

    def run():
        p = posts.create_post({"title": "楼道宣传岗", "kind": kind, "org_unit_id": vw.community.id,
                               "capacity": capacity, **extra})
        p.requires_review = requires_review
        db.session.flush()
        return p.id
    return in_tenant(app, vw.street, run, user_id=vw.admin.id)


def make_activity(app, vw, day, start="09:00", end="11:00", capacity=30) -> int:
    from plugins.volunteer.services import activities
    return in_tenant(app, vw.street, lambda: activities.create_activity(
        {"title": "清洁家园", "type": "cleanup", "org_unit_id": vw.community.id, "day": day, "start_time": start,
         "end_time": end, "capacity": capacity}).id, user_id=vw.admin.id)


def shanghai(day, hh, mm=0):
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo("Asia/Shanghai"))
