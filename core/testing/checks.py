"""Checks shared by core's isolation suite and the plugin conformance kit."""
from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint

from ..db import db


def tenancy_by_table() -> dict[str, str | None]:
    return {m.local_table.name: getattr(m.class_, "__tenancy__", None) for m in db.Model.registry.mappers}


def tenant_table_problems(name: str) -> list[str]:
    """Why a tenant table does not have the shape that keeps rows inside their tenant."""
    declared = tenancy_by_table()
    table = db.metadata.tables[name]
    problems = []
    col = table.c.get("tenant_id")
    if col is None or col.nullable:
        return [f"{name}: tenant_id NOT NULL is missing"]
    if not any(fk.column.table.name == "tenant" for fk in col.foreign_keys):
        problems.append(f"{name}: tenant_id must reference tenant.id")
    uniques = [tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
    if ("tenant_id", "id") not in uniques:
        problems.append(f"{name} lacks UNIQUE(tenant_id, id)")
    problems += [f"{name}: unique {u} must lead with tenant_id" for u in uniques if u[0] != "tenant_id"]
    problems += [f"{name}: index {i.name} must lead with tenant_id" for i in table.indexes
                 if i.columns.keys()[0] != "tenant_id"]
    for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
        target = fk.referred_table.name
        if declared.get(target) == "tenant" and (fk.column_keys[0] != "tenant_id"
                                                  or fk.elements[0].column.name != "tenant_id"):
            problems.append(f"{name} → {target} must be a composite (tenant_id, …) foreign key")
    return problems
