"""The volunteer page at 100 and at 10,000 ledger entries, in-process (printed by make bench).

The page reads cached balances and one keyset page of the journal, so its cost must not grow with
the history: ``run()`` returns the requests per second at both sizes and their ratio (1.0 is the
goal; well below it means something reads the whole history). ``fill_history`` writes a long
history quickly (bulk inserts of balanced transactions, the balance cache moved with them) and is
shared with the query-count test.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def fill_history(volunteer_id: int, entries: int, day: date, tag: str = "bench") -> None:
    """``entries`` ledger lines on the volunteer's own accounts (half HOURS_CREDIT, half EARN), each
    in a balanced transaction against issuance, in the current tenant scope (flushes only)."""
    from sqlalchemy import func, insert, select, update

    from core.api import current, db
    from plugins.volunteer.models import AccountBalance, LedgerEntry, LedgerTxn
    from plugins.volunteer.models.ledger import HOURS, POINTS
    from plugins.volunteer.services import ledger, periods
    tid = current().active
    period_id, late = periods.for_posting(day)
    accounts = {HOURS: (ledger.system(HOURS, "issuance"), ledger.member(volunteer_id, HOURS), 30),
                POINTS: (ledger.system(POINTS, "issuance"), ledger.member(volunteer_id, POINTS), 50)}
    for currency, (issuance, member, amount) in accounts.items():
        count = entries // 2 + (entries % 2 if currency == HOURS else 0)
        if not count:
            continue
        kind = "HOURS_CREDIT" if currency == HOURS else "EARN"
        ids = db.session.scalars(insert(LedgerTxn).returning(LedgerTxn.id, sort_by_parameter_order=True)
                                 .execution_options(tenant_checked_insert=True), [
            {"tenant_id": tid, "txn_type": kind, "business_date": day, "source_type": "bench", "source_id": None,
             "idempotency_key": f"{tag}:{currency}:{volunteer_id}:{i}", "memo": "", "period_id": period_id,
             "late_posting": late} for i in range(count)]).all()
        db.session.execute(insert(LedgerEntry).execution_options(tenant_checked_insert=True), [
            {"tenant_id": tid, "txn_id": t, "account_id": a, "currency": currency, "amount": x}
            for t in ids for a, x in ((issuance, -amount), (member, amount))])
        for account in (issuance, member):
            total, last = db.session.execute(select(func.sum(LedgerEntry.amount), func.max(LedgerEntry.id))
                                             .where(LedgerEntry.account_id == account)).one()
            db.session.execute(update(AccountBalance).where(AccountBalance.account_id == account)
                               .values(balance=int(total or 0), last_entry_id=last))
    db.session.flush()


def _batch(client, url: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        assert client.get(url).status_code == 200
    return n / (time.perf_counter() - start)


def run(rounds: int = 5, n: int = 40) -> dict:
    """Requests per second of the volunteer page for a volunteer with 100 and with 10,000 entries
    (SQLite, in-process, best batch of each, alternating so the machine's noise hits both)."""
    os.environ.setdefault("JICENG_ARGON2_CHEAP", "1")
    from core.testing import build_app, make_database
    config, cleanup = make_database("sqlite")
    try:
        app = build_app(config, TESTING=False)
        url = _world(app)
        from core.testing.factories import Account, login
        client = app.test_client()
        login(client, Account(url["uid"], "bench-vol", "bench-password"))
        small, large = url["small"], url["large"]
        for page in (small, large):
            _batch(client, page, 10)
        best = {small: 0.0, large: 0.0}
        for _ in range(rounds):
            for page in (small, large):
                best[page] = max(best[page], _batch(client, page, n))
    finally:
        cleanup()
    return {"page100_rps": round(best[small], 1), "page10k_rps": round(best[large], 1),
            "ratio": round(best[large] / best[small], 3)}


def _world(app) -> dict:
    from sqlalchemy import select

    from core.auth.models import Role, RoleGrant
    from core.auth.services import create_user, ensure_membership
    from core.org.models import OrgUnit, Person
    from core.org.services import create_unit, save_person
    from core.plugins import admin
    from core.tenancy.scopes import system_scope, tenant_scope
    from core.tenancy.services import create_tenant, root_unit
    with app.app_context():
        with system_scope("bench") as session:
            t = create_tenant(session, "benchvol", "志愿基准街道", "street")
            user, _ = create_user("bench-vol", "基准", "bench-password", must_change=False, session=session)
            ensure_membership(user.id, t.id, session)
            role = session.scalars(select(Role).where(Role.tenant_id == t.id, Role.code == "tenant_admin")).one()
            session.add(RoleGrant(tenant_id=t.id, user_id=user.id, role_id=role.id,
                                  org_unit_id=root_unit(session, t.id).id))
            tid, uid = t.id, user.id
        with tenant_scope(tid, user_id=uid) as session:
            admin.enable(tid, "volunteer")
        with tenant_scope(tid, user_id=uid) as session:
            root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
            unit = create_unit(root, "community", "bench-c", "基准社区", {})
            people = [save_person(Person(kinds=["resident"]), {"name": name, "org_unit_id": unit.id})
                      for name in ("王小百", "王大万")]
            ids = []
            from core.db import db
            from plugins.volunteer.models import Volunteer
            for person in people:
                vol = Volunteer(person_id=person.id, org_unit_id=unit.id, name=person.name, kinds=["resident"],
                                board_consent="masked", registered_on=date(2026, 1, 5))
                db.session.add(vol)
                db.session.flush()
                ids.append(vol.id)
            fill_history(ids[0], 100, date(2026, 3, 2))
            fill_history(ids[1], 10_000, date(2026, 3, 2))
    return {"uid": uid, "small": f"/t/benchvol/volunteer/{ids[0]}", "large": f"/t/benchvol/volunteer/{ids[1]}"}


if __name__ == "__main__":
    tempfile.tempdir = tempfile.gettempdir()
    print(json.dumps(run()))
