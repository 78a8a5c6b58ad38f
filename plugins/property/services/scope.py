"""Who sees which compounds: staff by their grants, provider staff only their companies' compounds.

A grant on a grid covers the compounds the grid serves (``grid.attrs["compounds"]`` holds their codes,
and buildings name their compound): compounds sit beside grids in core's tree, not under them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from core import api
from core.api import clock, db, OrgUnit

from ..models import CompanyStaff, CoveragePeriod


def today() -> date:
    return clock.local(clock.utcnow()).date()


def companies_of(user_id: int | None) -> list[int]:
    """The companies that employ this account (full or part time)."""
    if not user_id:
        return []
    return list(db.session.scalars(select(CompanyStaff.company_id).where(CompanyStaff.user_id == user_id,
                                                                         CompanyStaff.active.is_(True))))


def employed_by(user_id: int | None, company_id: int | None) -> bool:
    return bool(company_id) and company_id in companies_of(user_id)


def company_compounds(company_ids: list[int], on: date | None = None):
    """Compounds served by these companies on ``on`` (default today) or later: a select of ids."""
    on = on or today()
    return (select(CoveragePeriod.compound_id)
            .where(CoveragePeriod.provider_id.in_(company_ids),
                   or_(CoveragePeriod.ends_on.is_(None), CoveragePeriod.ends_on >= on)))


def grids_of(compound: OrgUnit) -> list[OrgUnit]:
    """The grids that serve a compound (the grids of its community naming it)."""
    grids = db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == compound.parent_id, OrgUnit.kind == "grid"))
    return [g for g in grids if compound.code in ((g.attrs or {}).get("compounds") or [])]


def may(permission: str, compound: OrgUnit) -> bool:
    """The user holds ``permission`` on the compound, its community or above, or on a grid serving it."""
    return api.can(permission, compound) or any(api.can(permission, g) for g in grids_of(compound))


def compound_query(permission: str = "property.view"):
    """The compounds this user may see in this module, ordered by the tree."""
    stmt = select(OrgUnit).where(OrgUnit.kind == "compound")
    ctx = api.current()
    companies = companies_of(ctx.user_id)
    if companies:
        return stmt.where(OrgUnit.id.in_(company_compounds(companies))).order_by(OrgUnit.path)
    within = api.units_within(permission)
    if within is not None:
        mine = [u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(within),
                                                                    OrgUnit.kind.in_(("grid", "compound"))))]
        codes = {c for u in mine if u.kind == "grid" for c in ((u.attrs or {}).get("compounds") or [])}
        stmt = stmt.where(or_(OrgUnit.id.in_(within), OrgUnit.code.in_(codes or {""})))
    return stmt.order_by(OrgUnit.path)


def visible_compound(compound_id: int, permission: str = "property.view") -> OrgUnit:
    """The compound if this user may see it, else 404 (another tenant's, another company's)."""
    from flask import abort
    unit = db.session.scalar(compound_query(permission).where(OrgUnit.id == compound_id))
    if unit is None:
        abort(404)
    return unit
