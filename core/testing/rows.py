"""One row of every tenant model in a tenant, for the isolation suite and the conformance kit.

A new tenant model without a maker here fails ``test_every_tenant_model_has_a_row_maker``, so the
isolation tests can never silently skip it.
"""
from __future__ import annotations

import hashlib

from ..db import TenantScoped, db
from ..tenancy.scopes import tenant_scope

CANARY = "CANARY"


def tenant_models() -> list[type]:
    return sorted({m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)},
                  key=lambda c: c.__tablename__)


def _makers():
    from ..audit.models import AuditLog
    from ..auth.models import ApiKey, Role, RoleGrant
    from ..cases.models import CaseFile, CaseStep
    from ..events.models import EventOutbox, JobRun
    from ..org.models import (CentralHouseholdLink, CommitteeMember, LeaderLink, OrgUnit, OrgUnitHistory, PartyOrg, Person,
                              ResidentUnit)
    from ..org.services import create_unit, save_person
    from ..ui.models import DataStamp, Notification

    def make(tenant, account, canary):
        s = db.session
        root = s.get(OrgUnit, tenant.root_id)
        kind = "community"
        community = create_unit(root, kind, f"{canary}-c", f"{canary}-社区")
        grid = create_unit(community, "grid", f"{canary}-g", f"{canary}-网格", {"grid_type": "residential"})
        building = create_unit(grid, "building", f"{canary}-b", f"{canary}-楼")
        h1 = create_unit(building, "household", f"{canary}-h1", f"{canary}-101")
        h2 = create_unit(building, "household", f"{canary}-h2", f"{canary}-102")
        party = PartyOrg(kind="大党委", org_unit_id=community.id, name=f"{canary}-党委")
        s.add(party)
        s.flush()
        person = save_person(Person(kinds=["resident"], notes=canary), {"name": f"{canary}-人", "phone": "13800005678",
                                                                        "org_unit_id": grid.id})
        s.add_all([ResidentUnit(name=f"{canary}-单位", uscc=(canary.replace("-", "") + "0" * 18)[:18], kind="学校",
                                org_unit_id=community.id, party_org_id=party.id),
                   CentralHouseholdLink(central_household_id=h1.id, household_id=h2.id)])
        from datetime import date
        seat = CommitteeMember(community_id=community.id, person_id=person.id, term_start=date(2021, 6, 1),
                               secretary=True, director=True, education="大专", joined_on=date(2021, 6, 1))
        link = LeaderLink(leader_id=person.id, street_id=tenant.id, community_code=f"{canary}-c"[:64],
                          since=date(2021, 6, 1))
        s.add_all([seat, link])
        s.flush()
        role = s.query(Role).filter_by(code="grid_worker").one()
        rows = {OrgUnit: community.id, Person: person.id, PartyOrg: party.id, Role: role.id,
                CommitteeMember: seat.id, LeaderLink: link.id}
        if account is not None:
            grant = RoleGrant(user_id=account.id, role_id=role.id, org_unit_id=grid.id)
            note = Notification(user_id=account.id, title=f"{canary}-消息")
            s.add_all([grant, note])
            s.flush()
            rows.update({RoleGrant: grant.id, Notification: note.id})
        key = ApiKey(name=f"{canary}-密钥", prefix="jc_canary", scopes=["open311"],
                     secret_hash=hashlib.sha256(canary.encode()).hexdigest())
        s.add(key)
        s.flush()
        rows[ApiKey] = key.id
        case = CaseFile(number=f"C{tenant.id:07d}", title=f"{canary}-案件")
        s.add(case)
        s.flush()
        step = CaseStep(case_id=case.id, plugin="core", kind="core.canary", object_id=canary[:64], label=f"{canary}-环节",
                        endpoint="home.dashboard", url_args={}, org_unit_id=grid.id, permission="core.dashboard.view")
        s.add(step)
        s.flush()
        rows.update({CaseFile: case.id, CaseStep: step.id})
        s.add(AuditLog(action="test.canary", detail={"canary": canary}))
        s.add_all([EventOutbox(name="core.canary", payload={"canary": canary}, dispatched_at=None),
                   JobRun(job=f"{canary}.job")])
        s.flush()
        rows[EventOutbox] = s.query(EventOutbox).one().id
        rows[JobRun] = s.query(JobRun).one().id
        rows[OrgUnitHistory] = s.query(OrgUnitHistory).filter_by(org_unit_id=community.id).one().id
        rows[ResidentUnit] = s.query(ResidentUnit).one().id
        rows[CentralHouseholdLink] = s.query(CentralHouseholdLink).one().id
        rows[AuditLog] = s.query(AuditLog).filter_by(action="test.canary").one().id
        stamp = s.query(DataStamp).one_or_none()  # the tenant's own, given when it was made
        if stamp is None:
            stamp = DataStamp(stamp=1)
            s.add(stamp)
            s.flush()
        rows[DataStamp] = stamp.id
        return rows
    return make


def fill_tenant(app, tenant, account=None) -> dict:
    """Rows of every tenant model in ``tenant``, text columns carrying ``CANARY-<slug>``.

    Core models get hand-made rows; plugin models get a generic row (required columns filled
    with dummy values), which is enough for the sweep to ask for their ids.
    """
    with app.app_context(), tenant_scope(tenant.id, user_id=account.id if account else None):
        rows = _makers()(tenant, account, f"{CANARY}-{tenant.slug}")
        from sqlalchemy import select
        for model in tenant_models():
            if model not in rows and "__" in model.__tablename__:  # plugin tables: <plugin>__<name>
                # a row made earlier as another model's parent stands (one per person, per account…)
                made = db.session.scalar(select(model.id).order_by(model.id).limit(1))
                rows[model] = made or make_generic(model, f"{CANARY}-{tenant.slug}")
        return rows


def make_generic(model, canary: str = CANARY) -> int:
    """One row of ``model`` in the active tenant with dummy values for its required columns."""
    from datetime import date, datetime, timezone

    from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric, String, Text, TypeDecorator
    from sqlalchemy import ForeignKeyConstraint, select
    values = {}
    table = model.__table__
    for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
        cols = [c.name for c in fk.columns if c.name != "tenant_id"]
        if len(cols) != 1 or table.c[cols[0]].nullable or fk.referred_table.name in ("tenant", table.name):
            continue
        target = next(m.class_ for m in db.Model.registry.mappers if m.local_table is fk.referred_table)
        values[cols[0]] = db.session.scalar(select(target.id).order_by(target.id).limit(1)) or make_generic(target, canary)
    for col in table.columns:
        if col.name in ("id", "tenant_id") or col.key in values or col.nullable or col.default is not None \
                or col.server_default is not None:
            continue
        t = col.type.impl if isinstance(col.type, TypeDecorator) else col.type
        values[col.key] = (canary[: getattr(t, "length", None) or 64] if isinstance(t, (String, Text))
                           else 1 if isinstance(t, (Integer, Numeric, Float)) else False if isinstance(t, Boolean)
                           else datetime.now(timezone.utc) if isinstance(t, DateTime) else {} if isinstance(t, JSON)
                           else date.today() if isinstance(t, Date)
                           else None)
    row = model(**values)
    db.session.add(row)
    db.session.flush()
    return row.id


def checksum(app, tenant_id: int) -> dict:
    """Every tenant row of one tenant (audit rows left out), to prove it unchanged."""
    from sqlalchemy import select

    from ..audit.models import AuditLog
    out = {}
    with app.app_context(), tenant_scope(tenant_id, commit=False):
        for model in tenant_models():
            if model is AuditLog:
                continue
            cols = [getattr(model, attr.key) for attr in db.inspect(model).column_attrs]
            rows = db.session.execute(select(*cols).order_by(model.id)).all()
            out[model.__tablename__] = [tuple(map(str, r)) for r in rows]
    return out


def free_text_column(model):
    """A string column outside every unique constraint: safe to overwrite in a bulk update."""
    from sqlalchemy import String, UniqueConstraint
    unique = {c.name for u in model.__table__.constraints if isinstance(u, UniqueConstraint) for c in u.columns}
    for col in model.__table__.columns:
        if isinstance(col.type, String) and col.name not in unique and col.name not in {"path", "kind", "code"}:
            return col
    return None
