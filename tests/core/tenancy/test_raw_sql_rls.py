"""Raw SQL, which the ORM guard never sees, is still confined by RLS (PostgreSQL, runtime role)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import db
from core.tenancy import tenant_scope

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(pg_app):
    from core.testing.factories import _unique
    from core.tenancy.scopes import system_scope
    from core.tenancy.services import create_tenant
    made = {}
    with pg_app.app_context(), system_scope("test") as session:
        for key in ("a", "b"):
            tenant = create_tenant(session, _unique("rls-"), f"RLS {key}", "street")
            made[key] = tenant.id
    for key, tid in made.items():
        with pg_app.app_context(), tenant_scope(tid):
            from core.org.models import Person
            db.session.add(Person(name=f"CANARY-{key}", initials=""))
    return made


def test_raw_select_sees_only_the_active_tenant(pg_app, pg_world):
    with pg_app.app_context(), tenant_scope(pg_world["a"], commit=False):
        names = {r[0] for r in db.session.execute(text("SELECT name FROM person WHERE name LIKE 'CANARY-%'"))}
        tenants = {r[0] for r in db.session.execute(text("SELECT tenant_id FROM person"))}
    assert names == {"CANARY-a"} and tenants == {pg_world["a"]}


def test_raw_select_without_context_sees_nothing(pg_app, pg_world):
    with pg_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM person")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM org_unit")).scalar() == 0
        db.session.rollback()


def test_raw_insert_into_another_tenant_fails(pg_app, pg_world):
    with pytest.raises(DBAPIError, match="row-level security"):
        with pg_app.app_context(), tenant_scope(pg_world["a"]):
            db.session.execute(text("INSERT INTO person (tenant_id, name, initials, kinds, party_member, tags, created_at) "
                                    "VALUES (:t, 'x', '', '[]', false, '[]', now())"), {"t": pg_world["b"]})
