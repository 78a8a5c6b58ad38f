"""Two-tenant model matrix: as street A no row of B is ever read, counted, changed or deleted."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from core.audit.models import AuditLog
from core.db import db
from core.tenancy import NoTenantContext, TenantViolation, tenant_scope
from core.testing.rows import checksum, free_text_column, tenant_models

MODELS = tenant_models()


def ids_of(model):
    return set(db.session.scalars(select(model.id)))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__tablename__)
def test_reads_as_a_see_no_row_of_b(app, world, model):
    b_id = world.rows[world.b.slug].get(model)
    with app.app_context(), tenant_scope(world.a.id, commit=False):
        seen = ids_of(model)
        assert seen, "A has rows of its own"
        tenants = set(db.session.scalars(select(model.tenant_id)))
        assert tenants == {world.a.id}
        assert db.session.scalar(select(func.count()).select_from(model)) == len(seen)
        if b_id is not None:
            assert b_id not in seen
            assert db.session.get(model, b_id) is None
            alias = aliased(model)
            assert db.session.scalars(select(alias).where(alias.id == b_id)).first() is None


@pytest.mark.parametrize("model", [m for m in MODELS if m is not AuditLog], ids=lambda m: m.__tablename__)
def test_bulk_update_and_delete_as_a_leave_b_unchanged(app, world, model):
    column = free_text_column(model)
    before_b = checksum(app, world.b.id)
    with app.app_context(), tenant_scope(world.a.id):
        if column is not None:
            changed = db.session.execute(update(model).values({column.name: "改写"})
                                         .execution_options(synchronize_session=False)).rowcount
            assert changed >= 1, "A's own rows are updated"
    with app.app_context(), tenant_scope(world.a.id, commit=False):
        try:  # A's own rows may be refused by A's own foreign keys; B's must never be touched
            with db.session.begin_nested():
                db.session.execute(delete(model).execution_options(synchronize_session=False))
        except IntegrityError:
            pass
    assert checksum(app, world.b.id) == before_b


def test_delete_everything_as_a_deletes_nothing_of_b(app, world):
    from core.org.models import CentralHouseholdLink
    with app.app_context(), tenant_scope(world.a.id):
        db.session.execute(delete(CentralHouseholdLink))
    with app.app_context(), tenant_scope(world.b.id, commit=False):
        assert db.session.scalar(select(func.count()).select_from(CentralHouseholdLink)) == 1


def test_relationship_style_filters_stay_inside_a(app, world):
    """Subqueries and joins (the any()/has() family) are filtered too, not only the top entity."""
    from core.org.models import OrgUnit, Person
    b_unit = world.rows[world.b.slug][OrgUnit]
    with app.app_context(), tenant_scope(world.a.id, commit=False):
        sub = select(OrgUnit.id).where(OrgUnit.id == b_unit).scalar_subquery()
        assert db.session.scalars(select(Person).where(Person.org_unit_id.in_(select(OrgUnit.id)))).all()
        assert db.session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.id == sub)) == 0
        joined = db.session.execute(select(Person.id, OrgUnit.tenant_id).join(
            OrgUnit, OrgUnit.id == Person.org_unit_id)).all()
        assert {t for _p, t in joined} == {world.a.id}


def test_writing_a_row_into_b_from_a_is_refused(app, world):
    from core.org.models import PartyOrg
    with pytest.raises(TenantViolation):
        with app.app_context(), tenant_scope(world.a.id):
            db.session.add(PartyOrg(tenant_id=world.b.id, kind="党小组", name="越界"))
            db.session.flush()


def test_changing_a_rows_tenant_is_refused(app, world):
    from core.org.models import PartyOrg
    with pytest.raises(TenantViolation):
        with app.app_context(), tenant_scope(world.a.id):
            row = db.session.get(PartyOrg, world.rows[world.a.slug][PartyOrg])
            row.tenant_id = world.b.id
            db.session.flush()


def test_no_context_means_no_access(app, world):
    from core.org.models import Person
    with app.app_context():
        with pytest.raises(NoTenantContext):
            db.session.scalars(select(Person)).all()
        db.session.rollback()


def test_a_reference_across_tenants_fails_at_the_database(app, world):
    """Layer 0: the composite foreign key refuses an A row pointing at B's parent."""
    from sqlalchemy.exc import IntegrityError

    from core.org.models import OrgUnit, PartyOrg
    with pytest.raises(IntegrityError):
        with app.app_context(), tenant_scope(world.a.id):
            db.session.add(PartyOrg(kind="党小组", name="越界", org_unit_id=world.rows[world.b.slug][OrgUnit]))
            db.session.flush()


def test_district_rollup_sees_its_streets_not_others_and_is_audited(app, world, client, login_as):
    login_as(world.admin_d)
    resp = client.get(f"/t/{world.d.slug}/org/overview")
    assert resp.status_code == 200
    assert world.a.slug in resp.text and world.c.slug in resp.text and world.b.slug not in resp.text
    with app.app_context(), tenant_scope(world.d.id, commit=False):
        audits = [a.detail for a in db.session.scalars(select(AuditLog).where(AuditLog.action == "district.rollup"))]
    assert len(audits) == 1 and sorted(audits[0]["streets"]) == sorted([world.a.slug, world.c.slug])


def test_district_rollup_refuses_writes(app, world, client, login_as):
    from core.testing.factories import post
    login_as(world.admin_d)
    assert post(client, f"/t/{world.d.slug}/org/overview").status_code == 405


def test_a_street_never_sees_its_district_or_sibling(app, world):
    from core.org.models import OrgUnit
    with app.app_context(), tenant_scope(world.a.id, commit=False):
        assert set(db.session.scalars(select(OrgUnit.tenant_id))) == {world.a.id}
