"""Declarative tenant definitions (``tenants/<slug>/tenant.toml``) applied idempotently.

A rerun with no changes writes nothing; units missing from the file are listed, never deleted.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select

from ..fields import Text
from ..org.models import SITE_TYPES, OrgUnit, PartyOrg, ResidentUnit
from .models import Tenant
from .services import create_tenant


class CompoundDef(Schema):
    code = Text(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=100))


class GridDef(Schema):
    code = Text(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    compound = Text(load_default=None)
    also = Text(load_default=None)
    type = Text(load_default="residential", validate=validate.OneOf(("residential", "exclusive")))
    site = Text(load_default=None, validate=validate.OneOf(SITE_TYPES))


class ResidentUnitDef(Schema):
    name = Text(required=True)
    uscc = Text(required=True, validate=validate.Length(equal=18))
    kind = Text(load_default="其他")


class CommunityDef(Schema):
    code = Text(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    brand = Text(load_default=None)
    party = Text(load_default=None)
    compounds = fields.List(fields.Nested(CompoundDef), load_default=list)
    grids = fields.List(fields.Nested(GridDef), load_default=list)
    resident_units = fields.List(fields.Nested(ResidentUnitDef), load_default=list)


class TenantDef(Schema):
    class Meta:
        unknown = EXCLUDE  # plugin sections are read by the plugin framework

    slug = Text(required=True)
    name = Text(required=True)
    kind = Text(required=True, validate=validate.OneOf(("district", "street")))
    parent = Text(load_default=None)
    demo = fields.Boolean(load_default=False)
    party = Text(load_default=None)
    streets = fields.List(Text(), load_default=list)
    community = fields.List(fields.Nested(CommunityDef), load_default=list)


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.created) + len(self.changed)


def read(folder: Path) -> dict:
    path = Path(folder) / "tenant.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return TenantDef().load(raw)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError({str(path): [str(exc)]}) from exc
    except ValidationError as exc:
        raise ValidationError({str(path): exc.messages}) from exc


def ordered(folders: list[Path]) -> list[tuple[Path, dict]]:
    """Districts before their streets, so a street's parent always exists."""
    defs = [(Path(f), read(Path(f))) for f in folders]
    return sorted(defs, key=lambda d: d[1]["kind"] != "district")


def apply(session, definition: dict, force_demo: bool | None = None) -> ApplyReport:
    """Upsert one tenant and its tree by slug and code (system scope session)."""
    report = ApplyReport()
    is_demo = definition["demo"] if force_demo is None else force_demo
    tenant = session.scalars(select(Tenant).where(Tenant.slug == definition["slug"])).first()
    if tenant is None:
        tenant = create_tenant(session, definition["slug"], definition["name"], definition["kind"],
                               definition["parent"], is_demo=is_demo)
        report.created.append(f"tenant {tenant.slug}")
    else:
        if tenant.name != definition["name"]:
            tenant.name = definition["name"]
            report.changed.append(f"tenant {tenant.slug} name")
        if is_demo and not tenant.is_demo:
            tenant.is_demo = True
            report.changed.append(f"tenant {tenant.slug} demo")
    units = {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tenant.id,
                                                                     OrgUnit.kind != "household",
                                                                     OrgUnit.kind != "building"))}
    root = next(u for u in units.values() if u.parent_id is None)
    parties = {(p.org_unit_id, p.kind): p for p in session.scalars(select(PartyOrg).where(PartyOrg.tenant_id == tenant.id))}
    usccs = {r.uscc: r for r in session.scalars(select(ResidentUnit).where(ResidentUnit.tenant_id == tenant.id))}
    listed = {root.code}

    def unit(parent: OrgUnit, kind: str, code: str, name: str, attrs: dict) -> OrgUnit:
        listed.add(code)
        row = units.get(code)
        if row is None:
            row = OrgUnit(tenant_id=tenant.id, parent_id=parent.id, kind=kind, code=code, name=name, attrs=attrs, path="")
            session.add(row)
            session.flush()
            row.path = f"{parent.path}{row.id}/"
            units[code] = row
            report.created.append(f"{kind} {code}")
        elif row.name != name or row.attrs != attrs:
            row.name, row.attrs = name, attrs
            report.changed.append(f"{kind} {code}")
        return row

    def party(org_unit: OrgUnit, kind: str, name: str | None, parent: PartyOrg | None = None) -> PartyOrg | None:
        if not name:
            return None
        row = parties.get((org_unit.id, kind))
        if row is None:
            row = PartyOrg(tenant_id=tenant.id, kind=kind, name=name, org_unit_id=org_unit.id,
                           parent_id=parent.id if parent else None)
            session.add(row)
            session.flush()
            parties[(org_unit.id, kind)] = row
            report.created.append(f"party {name}")
        elif row.name != name:
            row.name = name
            report.changed.append(f"party {name}")
        return row

    top = party(root, "大党工委" if definition["kind"] == "street" else "党委", definition["party"])
    for com in definition["community"]:
        attrs = {"brand": com["brand"]} if com["brand"] else {}
        attrs["service_centre"] = {"windows": 6, "rooms": 5}
        community = unit(root, "community", com["code"], com["name"], attrs)
        party(community, "大党委", com["party"], top)
        for comp in com["compounds"]:
            unit(community, "compound", comp["code"], comp["name"], {})
        for grid in com["grids"]:
            gattrs = {"grid_type": grid["type"]}
            if grid["site"]:
                gattrs["site_type"] = grid["site"]
            gattrs["compounds"] = [c for c in (grid["compound"], grid["also"]) if c]
            unit(community, "grid", grid["code"], grid["name"], gattrs)
        for ru in com["resident_units"]:
            if ru["uscc"] not in usccs:
                row = ResidentUnit(tenant_id=tenant.id, name=ru["name"], uscc=ru["uscc"], kind=ru["kind"],
                                   org_unit_id=community.id)
                session.add(row)
                usccs[ru["uscc"]] = row
                report.created.append(f"resident unit {ru['uscc']}")
    report.unlisted = sorted(code for code in units if code not in listed)
    session.flush()
    return report
