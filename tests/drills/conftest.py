"""Fault drills: streets with the grid and volunteer modules on and the people who write in them, and
the checks an operator runs after a fault — is every answered write there, is anything half-written,
do the ledgers balance, does any row sit in another street."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, select, text

from core.testing.factories import login, post


@dataclass
class Street:
    tenant: object
    grid_id: int
    category_id: int
    clerk: object
    admin: object
    volunteers: list


@pytest.fixture
def make_street(app, create_tenant, create_unit, create_user, create_person, enable_plugin):
    """A street with a community and a grid, the grid and volunteer modules on, an intake clerk, an
    admin, and ``volunteers`` people registered as volunteers (through the page, as the admin would)."""
    def _make(volunteers: int = 3, name: str | None = None) -> Street:
        from core.db import db
        from core.tenancy import tenant_scope
        from plugins.grid.models import Category
        from plugins.volunteer.models import Volunteer
        street = create_tenant(name=name)
        community = create_unit(street, street.root_id, "community", "幸福社区")
        grid = create_unit(street, community.id, "grid", "幸福第一网格", grid_type="residential")
        enable_plugin(street, "grid")
        enable_plugin(street, "volunteer")
        admin = create_user(street, "tenant_admin")
        client = app.test_client()
        login(client, admin)
        for n in range(volunteers):
            person = create_person(street, f"李{'一二三四五六七八九十'[n % 10]}{n}", org_unit_id=community.id)
            resp = post(client, f"/t/{street.slug}/volunteer/", {"person_id": person.id, "kind": "resident"})
            assert resp.status_code == 303, resp.text[:500]
        with app.app_context(), tenant_scope(street.id, commit=False):
            category = db.session.scalars(select(Category.id).where(Category.code == "SA-GARBAGE")).one()
            vols = list(db.session.scalars(select(Volunteer.id).order_by(Volunteer.id)))
        return Street(street, grid.id, category, create_user(street, "intake_clerk"), admin, vols)
    return _make


def event_form(street: Street, title: str) -> dict:
    return {"title": title, "category_id": street.category_id, "grid_id": street.grid_id, "urgency": "NORMAL",
            "source": "RESIDENT", "reporter_phone": "13812345678"}


def adjust_form(memo: str, points: int = 2) -> dict:
    return {"txn_type": "BONUS", "points": points, "reason_code": "award", "memo": memo}


def seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


class Rows:
    """Read everything in the database as its owner (past row-level security), as an operator checking
    it after a fault would."""

    def __init__(self, database: dict):
        self.engine = create_engine(database["MIGRATE_DATABASE_URL"])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.engine.dispose()

    def scalars(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).scalars())

    def titles(self, tenant_id: int) -> set[str]:
        return set(self.scalars("SELECT title FROM grid__event WHERE tenant_id = :t", t=tenant_id))

    def memos(self, tenant_id: int) -> set[str]:
        return set(self.scalars("SELECT memo FROM volunteer__second_approval WHERE tenant_id = :t", t=tenant_id))

    def half_written(self, tenant_id: int) -> list[str]:
        """What a write cut short would leave: an event without its first (T1) step, an approved
        adjustment without its posting, a posting without its entries or not summing to zero."""
        found = [f"event {i} has no T1 step" for i in self.scalars(
            "SELECT e.id FROM grid__event e WHERE e.tenant_id = :t AND NOT EXISTS (SELECT 1 FROM "
            "grid__event_transition x WHERE x.tenant_id = e.tenant_id AND x.event_id = e.id AND x.code = 'T1')",
            t=tenant_id)]
        found += [f"adjustment {i} approved without its posting" for i in self.scalars(
            "SELECT a.id FROM volunteer__second_approval a WHERE a.tenant_id = :t AND a.state = 'approved' AND "
            "NOT EXISTS (SELECT 1 FROM volunteer__txn x WHERE x.tenant_id = a.tenant_id AND x.id = a.txn_id)",
            t=tenant_id)]
        found += [f"posting {i} does not sum to zero" for i in self.scalars(
            "SELECT x.id FROM volunteer__txn x LEFT JOIN volunteer__entry e ON e.tenant_id = x.tenant_id AND "
            "e.txn_id = x.id WHERE x.tenant_id = :t GROUP BY x.id HAVING count(e.id) < 2 OR sum(e.amount) <> 0",
            t=tenant_id)]
        return found

    def cross_tenant(self) -> list[str]:
        """Every reference between two tenant tables whose rows sit in different tenants (read from the
        models' foreign keys, matching the referenced row by id alone)."""
        from sqlalchemy import ForeignKeyConstraint

        from core.db import db
        from core.testing.checks import tenancy_by_table
        tenancy = tenancy_by_table()
        found = []
        for table in db.metadata.sorted_tables:
            if tenancy.get(table.name) != "tenant":
                continue
            for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
                target = fk.referred_table.name
                pairs = [(e.parent.name, e.column.name) for e in fk.elements if e.parent.name != "tenant_id"]
                if tenancy.get(target) != "tenant" or not pairs or [p[1] for p in pairs] != ["id"]:
                    continue
                n = self.scalars(f'SELECT count(*) FROM "{table.name}" c JOIN "{target}" p ON p.id = c."{pairs[0][0]}" '
                                 "WHERE p.tenant_id <> c.tenant_id")[0]
                if n:
                    found.append(f"{table.name}.{pairs[0][0]} → {target}: {n} rows in another tenant")
        return found


def undelivered_after_sweep(app, rows: Rows, tenant_id: int) -> int:
    """Run the outbox sweep for the tenant as if every retry were due (what the scheduler does within a
    minute): the events a cut-short request or the outage left undelivered go out now. Returns how many
    are still neither delivered nor given up on (an event lost between its write and its delivery)."""
    from datetime import timedelta

    from core import clock
    from core.events.dispatch import sweep
    with app.app_context():
        sweep(now=clock.utcnow() + timedelta(hours=1), tenants=[tenant_id])
    return rows.scalars("SELECT count(*) FROM event_outbox WHERE tenant_id = :t AND dispatched_at IS NULL",
                        t=tenant_id)[0]


def ledger_verified(app, slug: str) -> str:
    """``jiceng volunteer ledger verify --tenant <slug>``: its output, once it exits 0."""
    result = app.test_cli_runner().invoke(args=["volunteer", "ledger", "verify", "--tenant", slug])
    assert result.exit_code == 0, result.output
    return result.output


def sqlite_integrity(database: dict) -> str:
    """``PRAGMA integrity_check`` on SQLite ("ok" when the file is sound); "n/a" on PostgreSQL."""
    url = database["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        return "n/a"
    import sqlite3
    conn = sqlite3.connect(re.sub(r"^sqlite:///", "", url))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def balances(rows: Rows, tenant_id: int) -> dict[int, int]:
    """Each volunteer's cached points balance (0.01-point units) in a tenant."""
    with rows.engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT a.owner_id, b.balance FROM volunteer__account a JOIN volunteer__balance b ON "
            "b.tenant_id = a.tenant_id AND b.account_id = a.id WHERE a.tenant_id = :t AND a.owner_type = 'volunteer' "
            "AND a.kind = 'member' AND a.currency = 'POINTS'"), {"t": tenant_id}).all())
