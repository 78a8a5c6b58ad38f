"""The shared data generator for the benchmark: tenants, grids, people and grid events at a scale.

1× = 200 events and 50 people per tenant; 100× = 20,000 events and 5,000 people per tenant.
Synthetic names (王甲07) and phones starting with 100. Fixed seed: the same arguments give the
same rows. The bench seeds its own tenants, never flagged as demo.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, text

TENANTS = 20
EVENTS_PER_TENANT = 200
PEOPLE_PER_TENANT = 50
GRIDS_PER_TENANT = 10


def seed(app, scale: int, tenants: int = TENANTS) -> dict:
    from core.auth.models import Role, RoleGrant, UserAccount
    from core.auth.passwords import hash_password
    from core.auth.services import ensure_membership
    from core.db import db
    from core.demo import name_for
    from core.org.models import OrgUnit, Person
    from core.org.services import initials
    from core.plugins import admin
    from core.tenancy.scopes import system_scope, tenant_scope
    from core.tenancy.services import create_tenant
    from plugins.grid.models import Category, GridEvent
    rng = random.Random(f"jiceng-bench-{scale}")
    checked = {"tenant_checked_insert": True}
    slugs = []
    with app.app_context():
        with system_scope("bench seed") as session:
            user = UserAccount(username="bench", display_name="压测", password_hash=hash_password("bench-password-2026"))
            session.add(user)
            session.flush()
            user_id = user.id
            ids = []
            for i in range(tenants):
                t = create_tenant(session, f"bench-{i:02d}", f"压测街道{i:02d}", "street")
                ensure_membership(user_id, t.id, session)
                ids.append(t.id)
                slugs.append(t.slug)
        now = datetime.now(timezone.utc)
        first_event = None
        for index, tenant_id in enumerate(ids):
            with tenant_scope(tenant_id, user_id=user_id) as session:
                admin.enable(tenant_id, "grid")
                root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
                role = session.scalars(select(Role).where(Role.code == "street_staff")).one()
                session.add(RoleGrant(user_id=user_id, role_id=role.id, org_unit_id=root.id))
                community = OrgUnit(parent_id=root.id, kind="community", code=f"c{tenant_id}", name="压测社区", path="")
                session.add(community)
                session.flush()
                community.path = f"{root.path}{community.id}/"
                grids = []
                for k in range(GRIDS_PER_TENANT):
                    grid = OrgUnit(parent_id=community.id, kind="grid", code=f"g{tenant_id}-{k}", name=f"第{k + 1}网格",
                                   path="", attrs={"grid_type": "residential"})
                    session.add(grid)
                    session.flush()
                    grid.path = f"{community.path}{grid.id}/"
                    grids.append(grid.id)
                cats = list(session.scalars(select(Category.id)))
                people = [{"tenant_id": tenant_id, "org_unit_id": rng.choice(grids), "name": name_for(n),
                           "initials": initials(name_for(n)), "phone": f"100{tenant_id:03d}{n:05d}",
                           "phone_last4": f"{n:04d}"[-4:], "kinds": ["resident"], "tags": [], "party_member": False,
                           "created_at": now} for n in range(PEOPLE_PER_TENANT * scale)]
                for chunk in range(0, len(people), 5000):
                    session.execute(insert(Person).execution_options(**checked), people[chunk:chunk + 5000])
                states = ("SUBMITTED", "IN_PROGRESS", "AWAITING_CHECK", "CLOSED", "CLOSED", "CLOSED")
                # a street's events come from their own sequence, so its newest 200 are the same at 1×
                # and 100× and the pages compared across scales show the same rows and the same event
                erng = random.Random(f"jiceng-bench-events-{index}")
                events = []
                for n in range(EVENTS_PER_TENANT * scale):
                    created = now - timedelta(minutes=n * 7 + erng.randint(0, 6))
                    state = erng.choice(states)
                    events.append({"tenant_id": tenant_id, "ref_no": f"B{tenant_id}-{n:06d}", "title": f"压测事件{n}",
                                   "description": "", "category_id": erng.choice(cats), "urgency": "NORMAL", "level": 0,
                                   "max_level": 0, "source": "GRID_PATROL", "anonymity": "named",
                                   "grid_id": erng.choice(grids), "address": "", "state": state, "rework_n": 0,
                                   "return_n": 0, "reopen_n": 0, "extension_n": 0, "check_n": 0, "demand_n": 1,
                                   "stage": "handle", "stage_deadline": created + timedelta(days=3),
                                   "case_deadline": created + timedelta(days=4), "deadline_explain": {},
                                   "calendar_complete": True, "suspended_at_deadline": False, "version": 1,
                                   "created_at": created, "closed_at": created + timedelta(days=2) if state == "CLOSED" else None,
                                   "closure_type": "RESOLVED" if state == "CLOSED" else None})
                for chunk in range(0, len(events), 5000):
                    session.execute(insert(GridEvent).execution_options(**checked), events[chunk:chunk + 5000])
                if first_event is None:
                    # the newest event (n = 0), the one staff open first from the queue
                    first_event = session.scalar(select(GridEvent.id).order_by(GridEvent.id).limit(1))
        with app.app_context():
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return {"slug": slugs[0], "event_id": first_event, "username": "bench", "password": "bench-password-2026"}
