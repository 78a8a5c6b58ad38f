"""Settings never leak through a pooled connection; savepoints restore the tenant (PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from core.tenancy.context import TenantContext, _current, reset_context, set_context

pytestmark = pytest.mark.postgres

from core.tenancy import rls  # noqa: E402,F401  (the after_begin listener)


@pytest.fixture
def one_connection(pg_database):
    engine = create_engine(pg_database["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def two_tenants(pg_app):
    from core.testing.factories import _unique
    from core.tenancy.scopes import system_scope
    from core.tenancy.services import create_tenant
    with pg_app.app_context(), system_scope("test") as session:
        return [create_tenant(session, _unique("pool-"), "池", "street").id for _ in range(2)]


def active_setting(session) -> str:
    return session.execute(text("SELECT current_setting('jiceng.active_tenant', true)")).scalar() or ""


def test_next_checkout_after_a_sees_nothing(one_connection, two_tenants):
    a, _b = two_tenants
    token = set_context(TenantContext(active=a, visible=(a,)))
    try:
        with Session(one_connection) as s:
            assert s.execute(text("SELECT count(*) FROM org_unit")).scalar() == 1
            s.commit()
    finally:
        reset_context(token)
    with Session(one_connection) as s:
        assert active_setting(s) == ""
        assert s.execute(text("SELECT count(*) FROM org_unit")).scalar() == 0


def test_rolling_back_a_savepoint_that_switched_to_b_restores_a(one_connection, two_tenants):
    a, b = two_tenants
    token = set_context(TenantContext(active=a, visible=(a,)))
    try:
        with Session(one_connection) as s:
            assert active_setting(s) == str(a)
            nested = s.begin_nested()
            s.execute(text("SELECT set_config('jiceng.active_tenant', :b, true), "
                           "set_config('jiceng.visible_tenants', :b, true)"), {"b": str(b)})
            assert active_setting(s) == str(b)
            nested.rollback()
            assert active_setting(s) == str(a)
            ids = {r[0] for r in s.execute(text("SELECT tenant_id FROM org_unit"))}
            assert ids == {a}
    finally:
        reset_context(token)


def test_a_job_for_b_after_a_job_for_a_on_one_thread_sees_only_b(pg_app, two_tenants):
    from core.db import db
    from core.org.models import OrgUnit
    from core.tenancy import tenant_scope
    from sqlalchemy import select
    a, b = two_tenants
    with pg_app.app_context():
        with tenant_scope(a, commit=False):
            assert set(db.session.scalars(select(OrgUnit.tenant_id))) == {a}
        with tenant_scope(b, commit=False):
            assert set(db.session.execute(text("SELECT tenant_id FROM org_unit")).scalars()) == {b}
    assert _current.get() is None
