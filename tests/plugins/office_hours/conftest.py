"""A street with a community and its representative studio, the office-hours plugin on, the people
who book and the staff who run the desk; helpers that make receptions at a given time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core.api import clock, db
from core.tenancy import tenant_scope
from core.testing.factories import login

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class OfficeWorld:
    street: object
    community: object
    studio_id: int
    rep_id: int
    admin: object
    desk: object
    residents: list


@pytest.fixture
def ow(app, create_tenant, create_unit, create_user, create_person, enable_plugin):
    street = create_tenant(name="东街街道")
    community = create_unit(street, street.root_id, "community", "幸福社区")
    enable_plugin(street, "office_hours")
    rep_person = create_person(street, "李代表", kinds=["representative"])
    from plugins.office_hours.models import Representative, Studio
    with app.app_context(), tenant_scope(street.id):
        studio = Studio(org_unit_id=community.id, name="幸福社区党代表工作室", address="幸福路1号",
                        compliance_from=date(2024, 1, 1))
        rep = Representative(person_id=rep_person.id, org_unit_id=community.id, kind="party_congress",
                             term_start=date(2022, 1, 1), linked_unit_ids=[community.id])
        db.session.add_all([studio, rep])
        db.session.flush()
        ids = studio.id, rep.id
    return OfficeWorld(street, community, ids[0], ids[1], admin=create_user(street, "tenant_admin"),
                       desk=create_user(street, "community_staff", unit_id=community.id),
                       residents=[create_user(street, "resident") for _ in range(3)])


def make_reception(app, ow, starts_at: datetime, *, minutes: int = 60, seats: int = 1, reserved: int = 0,
                   state: str = "announced", rrule: str = "FREQ=WEEKLY") -> int:
    """A reception at ``starts_at`` with ``minutes // 20`` slots of ``seats`` seats (``reserved`` for
    walk-ins), its host confirmed, in ``state``."""
    from plugins.office_hours.models import Host, Series
    from plugins.office_hours.services import schedule
    with app.app_context(), tenant_scope(ow.street.id):
        series = Series(studio_id=ow.studio_id, rrule=rrule, dtstart=starts_at, duration_min=minutes,
                        seats_per_slot=seats, reserved_walkin_seats=reserved,
                        valid_from=clock.local(starts_at).date(), valid_to=clock.local(starts_at).date())
        db.session.add(series)
        db.session.flush()
        r = schedule.new_reception(series, starts_at)
        db.session.add(Host(reception_id=r.id, representative_id=ow.rep_id, confirmed_at=clock.utcnow()))
        r.state = state
        if state != "planned":
            r.announced_at = clock.utcnow()
        db.session.flush()
        return r.id


def in_days(days: float, hour: int = 9) -> datetime:
    d = clock.local(clock.utcnow()).date() + timedelta(days=int(days))
    return datetime.combine(d, datetime.min.time().replace(hour=hour), tzinfo=clock.SHANGHAI)


def client_for(app, account):
    c = app.test_client()
    login(c, account)
    return c


def slots_of(app, ow, reception_id: int) -> list:
    from sqlalchemy import select

    from plugins.office_hours.models import Slot
    with app.app_context(), tenant_scope(ow.street.id, commit=False):
        return [(s.id, s.capacity, s.reserved, s.taken) for s in db.session.scalars(
            select(Slot).where(Slot.reception_id == reception_id).order_by(Slot.starts_at))]


def race(database: dict, jobs: list[dict], timeout: float = 600) -> list[dict]:
    """Run each job (account, url, data) in its own PROCESS against the same database; all post at
    the same moment. Returns each process's answer: status and the testid of the card it got."""
    work = Path(tempfile.mkdtemp(prefix="oh-race-"))
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
        assert p.returncode == 0, "\n".join(line for line in err.decode().splitlines() if "wt-officehours" in line or "racer" in line or "Error" in line)
        out.append(json.loads((work / f"out{i}.json").read_text()))
    return out
