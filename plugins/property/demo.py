"""Demo data: every compound of the street (128 in the district, seed facts #17) with a profile and
continuous coverage over the demo window, so coverage is 100% (#41); market companies serve the
商品房, the state-owned fallback company, the public-welfare company and the community quasi-property
serve the old compounds (兜底, #40); some compounds change provider inside the window without a gap;
most have an owners' or management committee; tickets come from ``demo_tickets``."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from core.api import db, OrgUnit

from .models import CompoundProfile, CoveragePeriod, GovernanceBody, PropertyCompany

SURNAMES = "代陈林郑何罗梁宋谢韩唐冯于董萧程曹袁"
TYPES = ("商品房", "老旧小区", "安置房", "房改房")


def window_for(end: date) -> tuple[date, date]:
    start_month = end.month - 23
    year = end.year + (start_month - 1) // 12
    month = (start_month - 1) % 12 + 1
    return date(year, month, 1), end


def _uscc(tenant_id: int, n: int) -> str:
    return f"91340404{tenant_id:03d}{n:06d}X"[:17] + "X"


def companies(tenant) -> dict[str, list[PropertyCompany]]:
    short = tenant.name.replace("街道", "")[:4]
    rows = [PropertyCompany(name=f"{short}{name}", uscc=_uscc(tenant.id, k), kind=kind, contact=f"{SURNAMES[k]}经理",
                            has_party_org=kind != "market" or k % 2 == 0, party_member_staff=3 + k,
                            credit_grade=("AAA", "AA", "A", "AA", "AAA", "A")[k],
                            credit_history=[{"grade": ("AAA", "AA", "A", "AA", "AAA", "A")[k], "on": "2024-01-01"}])
            for k, (name, kind) in enumerate((("安居物业服务有限公司", "market"), ("恒信物业管理有限公司", "market"),
                                              ("城投物业服务有限公司", "soe_fallback"), ("红色公益物业服务中心", "public_welfare"),
                                              ("社区准物业服务站", "community_quasi"), ("舜耕物业服务有限公司", "market")))]
    db.session.add_all(rows)
    db.session.flush()
    out: dict[str, list[PropertyCompany]] = {}
    for c in rows:
        out.setdefault("fallback" if c.kind != "market" else "market", []).append(c)
    return out


def _households() -> dict[int, int]:
    """Households per compound, counted from core's buildings (a building names its compound)."""
    buildings = db.session.execute(select(OrgUnit.id, OrgUnit.attrs).where(OrgUnit.kind == "building")).all()
    by_building = {b: (attrs or {}).get("compound_id") for b, attrs in buildings}
    counts = db.session.execute(select(OrgUnit.parent_id, func.count()).where(OrgUnit.kind == "household")
                                .group_by(OrgUnit.parent_id)).all()
    out: dict[int, int] = {}
    for building_id, n in counts:
        compound = by_building.get(building_id)
        if compound:
            out[compound] = out.get(compound, 0) + n
    return out


def fill(tenant, window_end: date) -> int:
    """The street's compounds (nothing for a district; nothing twice)."""
    if tenant.kind != "street" or db.session.scalar(select(func.count()).select_from(CompoundProfile)):
        return 0
    compounds = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "compound").order_by(OrgUnit.path)))
    if not compounds:
        return 0
    rng = random.Random(f"jiceng-property-demo-{tenant.slug}")
    start, end = window_for(window_end)
    firms = companies(tenant)
    counted = _households()
    for k, compound in enumerate(compounds):
        kind = TYPES[k % 4] if k % 3 else "老旧小区"
        households = counted.get(compound.id) or rng.randint(120, 900)
        db.session.add(CompoundProfile(
            compound_id=compound.id, type=kind, households=households, area_m2=households * rng.randint(70, 110),
            build_year=rng.randint(1985, 2000) if kind == "老旧小区" else rng.randint(2001, 2020),
            party_org_type=("小区党支部", "联合党支部", "功能型党小组", "none")[k % 4], red_property=k % 3 == 0,
            hints=("东门晚上十点后关闭，请走北门；" if k % 5 == 0 else "") + ("楼道照明反复报修，先查总闸。" if k % 7 == 0 else "")))
        fallback = kind == "老旧小区"
        self_governed = not fallback and k % 11 == 5
        pool = firms["fallback"] if fallback else firms["market"]
        first = pool[k % len(pool)]
        mode = "fallback" if fallback else ("self_governed" if self_governed else "professional")
        provider = None if self_governed else first
        change = not self_governed and k % 9 == 4  # a provider change inside the window, with no gap
        first_end = start + timedelta(days=rng.randint(200, 500)) if change else None
        db.session.add(CoveragePeriod(compound_id=compound.id, mode=mode, provider_id=provider.id if provider else None,
                                      contract_no=f"WY-{tenant.id:02d}-{k + 1:03d}", starts_on=start - timedelta(days=365),
                                      ends_on=first_end, fee_standard="0.45元/平方米·月" if not fallback else "",
                                      households_covered=households))
        if change:
            nxt = pool[(k + 1) % len(pool)]
            db.session.add(CoveragePeriod(compound_id=compound.id, mode=mode, provider_id=nxt.id,
                                          contract_no=f"WY-{tenant.id:02d}-{k + 1:03d}-2",
                                          starts_on=first_end + timedelta(days=1), ends_on=None,
                                          households_covered=households))
        if k % 5 != 3:
            term_start = start - timedelta(days=rng.randint(0, 700))
            members = [{"name": f"{SURNAMES[(k + m) % len(SURNAMES)]}{'甲乙丙丁戊'[m]}{k % 90 + 10:02d}",
                        "party_member": m < 2} for m in range(5)]
            db.session.add(GovernanceBody(compound_id=compound.id,
                                          kind="owners_committee" if not fallback else "management_committee",
                                          members=members, term_start=term_start,
                                          term_end=term_start + timedelta(days=5 * 365), filing_status="filed"))
    db.session.flush()
    from .demo_tickets import fill as fill_tickets
    return len(compounds) + fill_tickets(tenant, window_end, rng, compounds)
