"""Every table declares its tenancy; tenant tables have the shape that keeps rows inside a tenant."""
from __future__ import annotations

import core.models  # noqa: F401
from core.db import db
from core.models import ALLOWLIST
from core.testing.checks import tenancy_by_table, tenant_table_problems
from core.testing.rows import _makers, tenant_models




def test_every_table_declares_its_tenancy(app):
    declared = tenancy_by_table()
    undeclared = [t for t in db.metadata.tables if t not in declared and t not in ALLOWLIST]
    assert undeclared == []
    assert {v for v in declared.values()} <= {"tenant", "global", "user"}, declared


def test_tenant_tables_have_the_required_shape(app):
    tenant_tables = {name for name, kind in tenancy_by_table().items() if kind == "tenant"}
    assert len(tenant_tables) >= 12
    problems = [p for name in sorted(tenant_tables) for p in tenant_table_problems(name)]
    assert problems == []


def test_the_shape_check_catches_a_bad_table():
    from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table
    bad = Table("bad__thing", db.metadata, Column("id", Integer, primary_key=True),
                Column("tenant_id", Integer, ForeignKey("tenant.id"), nullable=False),
                Column("org_unit_id", Integer, ForeignKey("org_unit.id")), Index("ix_bad_unit", "org_unit_id"))
    try:
        problems = tenant_table_problems("bad__thing")
    finally:
        db.metadata.remove(bad)
    assert any("UNIQUE(tenant_id, id)" in p for p in problems)
    assert any("composite" in p for p in problems) and any("ix_bad_unit" in p for p in problems)
    assert MetaData is not None


def test_global_and_user_tables_say_why(app):
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__tenancy__", None) in {"global", "user"}:
            source = open(__import__("inspect").getsourcefile(cls), encoding="utf-8").read()
            assert f"__tenancy__ = \"{cls.__tenancy__}\"" in source
            assert "#: " in source.split(f"class {cls.__name__}")[1].split("__tenancy__")[0], \
                f"{cls.__name__} needs a #: comment saying why it is {cls.__tenancy__}"


def test_every_tenant_model_has_a_row_maker(app, create_tenant, create_user):
    """The isolation suite fills one row of each tenant model; a new model must be added there."""
    from core.testing.rows import fill_tenant
    tenant = create_tenant()
    rows = fill_tenant(app, tenant, create_user(tenant))
    missing = [m.__name__ for m in tenant_models() if m not in rows]
    assert missing == [], f"add these models to core/testing/rows.py: {missing}"
    assert _makers is not None
