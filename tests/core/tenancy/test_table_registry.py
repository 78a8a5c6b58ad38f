"""Every table declares its tenancy; tenant tables have the shape that keeps rows inside a tenant."""
from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint

import core.models  # noqa: F401
from core.db import db
from core.models import ALLOWLIST
from core.testing.rows import _makers, tenant_models


def tenancy_by_table() -> dict[str, str]:
    return {m.local_table.name: getattr(m.class_, "__tenancy__", None) for m in db.Model.registry.mappers}


def test_every_table_declares_its_tenancy(app):
    declared = tenancy_by_table()
    undeclared = [t for t in db.metadata.tables if t not in declared and t not in ALLOWLIST]
    assert undeclared == []
    assert {v for v in declared.values()} <= {"tenant", "global", "user"}, declared


def test_tenant_tables_have_the_required_shape(app):
    declared = tenancy_by_table()
    tenant_tables = {name for name, kind in declared.items() if kind == "tenant"}
    assert tenant_tables, "no tenant tables found"
    for name in tenant_tables:
        table = db.metadata.tables[name]
        col = table.c.tenant_id
        assert not col.nullable, name
        assert any(fk.column.table.name == "tenant" for fk in col.foreign_keys), name
        uniques = [tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
        assert ("tenant_id", "id") in uniques, f"{name} lacks UNIQUE(tenant_id, id)"
        for u in uniques:
            assert u[0] == "tenant_id", f"{name}: unique {u} must lead with tenant_id"
        for index in table.indexes:
            assert index.columns.keys()[0] == "tenant_id", f"{name}: index {index.name} must lead with tenant_id"
        for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
            target = fk.referred_table.name
            if declared.get(target) == "tenant":
                assert fk.column_keys[0] == "tenant_id" and fk.elements[0].column.name == "tenant_id", \
                    f"{name} → {target} must be a composite (tenant_id, …) foreign key"


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
