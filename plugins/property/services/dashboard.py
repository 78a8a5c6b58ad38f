"""覆盖看板: coverage by compound, household and area, by mode; gaps and expiries (spec §5, §8)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from core.api import db, OrgUnit

from ..models import CompoundProfile, CoveragePeriod, GovernanceBody
from . import coverage
from .scope import compound_query, today


@dataclass
class Row:
    compound: OrgUnit
    community: str
    profile: CompoundProfile | None
    period: CoveragePeriod | None
    covered: bool
    expiring: bool
    body: GovernanceBody | None

    @property
    def mode(self) -> str:
        return self.period.mode if self.period is not None else "none"


def communities() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.path)))


def compound_rows(community_id: int | None = None, mode: str | None = None, gaps: bool = False,
                  expiring: bool = False, on: date | None = None, stmt=None) -> list[Row]:
    on = on or today()
    stmt = compound_query() if stmt is None else stmt
    if community_id:
        stmt = stmt.where(OrgUnit.parent_id == community_id)
    units = list(db.session.scalars(stmt))
    ids = [u.id for u in units]
    names = {c.id: c.name for c in db.session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_({u.parent_id for u in units if u.parent_id})))}
    profiles = {p.compound_id: p for p in db.session.scalars(select(CompoundProfile)
                                                             .where(CompoundProfile.compound_id.in_(ids)))}
    periods = {p.compound_id: p for p in db.session.scalars(select(CoveragePeriod).where(
        CoveragePeriod.compound_id.in_(ids), coverage._spans(on)))}
    starts = {(p.compound_id, p.starts_on) for p in db.session.scalars(select(CoveragePeriod).where(
        CoveragePeriod.compound_id.in_(ids), CoveragePeriod.starts_on > on))}
    bodies = {b.compound_id: b for b in db.session.scalars(select(GovernanceBody).where(
        GovernanceBody.compound_id.in_(ids), GovernanceBody.status == "active"))}
    counted = coverage.counted_modes()
    out = []
    for u in units:
        p = periods.get(u.id)
        soon = bool(p and p.ends_on and (p.ends_on - on).days <= 90
                    and (u.id, p.ends_on + timedelta(days=1)) not in starts)
        row = Row(u, names.get(u.parent_id, ""), profiles.get(u.id), p, bool(p and p.mode in counted), soon,
                  bodies.get(u.id))
        if mode and row.mode != mode:
            continue
        if gaps and row.covered:
            continue
        if expiring and not row.expiring:
            continue
        out.append(row)
    return out


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def figures(rows: list[Row]) -> dict:
    """Coverage by compound, by households and by area, and the compounds of each mode."""
    households = sum(r.profile.households for r in rows if r.profile)
    area = sum(r.profile.area_m2 for r in rows if r.profile)
    covered = [r for r in rows if r.covered]
    cov_households = sum(r.profile.households for r in covered if r.profile)
    cov_area = sum(r.profile.area_m2 for r in covered if r.profile)
    by_mode = {m: 0 for m in ("professional", "fallback", "self_governed", "none")}
    for r in rows:
        by_mode[r.mode] = by_mode.get(r.mode, 0) + 1
    return {"compounds": len(rows), "covered": len(covered), "compound_pct": percent(len(covered), len(rows)),
            "households": households, "covered_households": cov_households,
            "household_pct": percent(cov_households, households), "area": area, "covered_area": cov_area,
            "area_pct": percent(cov_area, area), "by_mode": by_mode,
            "gaps": [r for r in rows if not r.covered], "expiring": sorted((r for r in rows if r.expiring),
                                                                            key=lambda r: r.period.ends_on),
            "bodies": sum(1 for r in rows if r.body), "party_orgs": sum(1 for r in rows if r.profile and
                                                                        r.profile.party_org_type != "none")}


def by_tenant(rows: list[Row]) -> dict[int, dict]:
    """A district's rollup: the figures of each street (rows carry their tenant)."""
    groups: dict[int, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.compound.tenant_id, []).append(r)
    return {tid: figures(group) for tid, group in groups.items()}


def summary(rows: list[Row]) -> dict:
    """Plain numbers (no rows) of one street, to add up across streets."""
    f = figures(rows)
    return {"compounds": f["compounds"], "covered": f["covered"], "households": f["households"],
            "covered_households": f["covered_households"], "area": f["area"], "covered_area": f["covered_area"],
            "by_mode": f["by_mode"], "gaps": [r.compound.name for r in f["gaps"]]}


def combine(parts: list[dict]) -> dict:
    out = {"compounds": 0, "covered": 0, "households": 0, "covered_households": 0, "area": 0, "covered_area": 0,
           "by_mode": {}, "gaps": []}
    for p in parts:
        for key in ("compounds", "covered", "households", "covered_households", "area", "covered_area"):
            out[key] += p[key]
        for mode, n in p["by_mode"].items():
            out["by_mode"][mode] = out["by_mode"].get(mode, 0) + n
        out["gaps"] += p["gaps"]
    out["compound_pct"] = percent(out["covered"], out["compounds"])
    out["household_pct"] = percent(out["covered_households"], out["households"])
    out["area_pct"] = percent(out["covered_area"], out["area"])
    return out
