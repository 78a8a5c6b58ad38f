"""A street with a community and its discussion station, the plugin on, three co-building units, the
staff who run the station and a resident; helpers that make items and claims and race processes."""
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

from core.api import db
from core.tenancy import tenant_scope
from core.testing.factories import login

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class DiscussionWorld:
    street: object
    community: object
    station_id: int
    cycle_id: int
    units: list
    admin: object
    staff: object
    chair: object
    resident: object
    other_resident: object


@pytest.fixture
def dw(app, create_tenant, create_unit, create_user, enable_plugin):
    street = create_tenant(name="议事街道")
    community = create_unit(street, street.root_id, "community", "和平社区")
    enable_plugin(street, "discussion")
    admin = create_user(street, "tenant_admin")
    from plugins.discussion.models import Unit
    from plugins.discussion.services import cycles
    with app.app_context(), tenant_scope(street.id, user_id=admin.id):
        from core.api import org_unit
        station = cycles.ensure_station(org_unit(community.id), "community")
        cycle = cycles.current_cycle(station)
        units = []
        for i, name in enumerate(("淮南供电公司", "谢家集区人民医院", "第二十五中学")):
            u = Unit(name=name, uscc=f"91340400MA2T0000{i}X", type="国企")
            db.session.add(u)
            db.session.flush()
            units.append(u.id)
        ids = station.id, cycle.id
    return DiscussionWorld(street, community, ids[0], ids[1], units, admin=admin,
                           staff=create_user(street, "community_staff", unit_id=community.id),
                           chair=create_user(street, "street_staff"),
                           resident=create_user(street, "resident", unit_id=community.id),
                           other_resident=create_user(street, "resident", unit_id=community.id))


def client_for(app, account):
    c = app.test_client()
    login(c, account)
    return c


def in_tenant(app, dw, user=None):
    return tenant_scope(dw.street.id, user_id=(user or dw.admin).id)


def make_item(app, dw, quantity=3, kind="demand", title="老旧小区楼道照明改造"):
    from plugins.discussion.models import Cycle
    from plugins.discussion.services import lists
    with app.app_context(), in_tenant(app, dw):
        item = lists.add_item(db.session.get(Cycle, dw.cycle_id), {"kind": kind, "title": title, "quantity": quantity})
        return item.id


def propose(app, dw, item_id, unit_index, quantity=1):
    from plugins.discussion.models import Item
    from plugins.discussion.services import lists
    with app.app_context(), in_tenant(app, dw, dw.staff):
        return lists.propose(db.session.get(Item, item_id), {"unit_id": dw.units[unit_index],
                                                             "quantity": quantity}).id


def race(database: dict, jobs: list[dict], timeout: float = 240) -> list[dict]:
    """Run each job (account, url, data) in its own PROCESS against the same database; all post at
    the same moment. Returns each process's status code and the start of its answer."""
    work = Path(tempfile.mkdtemp(prefix="discussion-race-"))
    go = work / "go"
    procs = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for i, job in enumerate(jobs):
        spec = work / f"job{i}.json"
        spec.write_text(json.dumps({"database": database, "go": str(go), "ready": str(work / f"ready{i}"),
                                    "out": str(work / f"out{i}.json"), **job}))
        procs.append(subprocess.Popen([sys.executable, str(Path(__file__).with_name("racer.py")), str(spec)],
                                      cwd=ROOT, env=env, stderr=subprocess.PIPE))
    deadline = time.monotonic() + timeout
    while not all((work / f"ready{i}").exists() for i in range(len(jobs))):
        dead = [p for p in procs if p.poll() is not None and p.returncode != 0]
        assert not dead, dead[0].stderr.read().decode()[-1500:]
        assert time.monotonic() < deadline, "racers did not get ready"
        time.sleep(0.05)
    go.write_text("go")
    out = []
    for i, p in enumerate(procs):
        _o, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err.decode()[-1500:]
        out.append(json.loads((work / f"out{i}.json").read_text()))
    return out
