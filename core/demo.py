"""The demo district 谢家集区, built from the seed article's figures (seed facts §2).

Deterministic (fixed seeds), idempotent (a filled tenant is left alone), demo-only (refuses any
tenant not flagged ``is_demo``). Names are obviously fake (王甲07) and phones start with 100,
which is not a mobile range. No ID numbers are generated.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text

from .org.models import CentralHouseholdLink, CommitteeMember, LeaderLink, OrgUnit, PartyOrg, Person
from .org.services import initials
from .tenancy.models import Tenant

DEMO_PASSWORD = "jiceng-demo-2026"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
STEMS = "甲乙丙丁戊己庚辛壬癸"
#: 五管合一 counts for the whole district (seed facts §2.3).
CATEGORY_COUNTS = (("直管", 3100), ("双重管", 2046), ("接管", 2400), ("参管", 310), ("统管", 140))
CENTRAL_HOUSEHOLDS = 1150
LIAISONS = ("派出所", "城管", "市场监管")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    tenant: str
    role: str
    unit: str | None = None


ACCOUNTS = (
    DemoAccount("district-admin", "区管理员甲01", "xiejiaji", "tenant_admin"),
    DemoAccount("street-admin", "街道管理员甲01", "xjj-xiejiaji", "tenant_admin"),
    DemoAccount("street-staff", "街道干部甲01", "xjj-xiejiaji", "street_staff"),
    DemoAccount("community-staff", "社区干部甲01", "xjj-xiejiaji", "community_staff", "xjj-xiejiaji-kaoshan"),
    DemoAccount("grid-worker", "网格员甲01", "xjj-xiejiaji", "grid_worker", "xjj-xiejiaji-kaoshan-g01"),
    DemoAccount("resident", "居民甲01", "xjj-xiejiaji", "resident", "xjj-xiejiaji-kaoshan-g01"),
)


def name_for(i: int) -> str:
    return f"{SURNAMES[i % 20]}{STEMS[(i // 20) % 10]}{(i // 200) % 100:02d}"


class PhoneBook:
    """Synthetic phones 100xxxxxxxx, unique across the demo."""

    def __init__(self, start: int):
        self.n = start

    def next(self) -> str:
        self.n += 1
        return f"100{self.n:08d}"


def demo_folders(root: Path) -> list[Path]:
    district = root / "xiejiaji"
    import tomllib
    streets = tomllib.loads((district / "tenant.toml").read_text(encoding="utf-8"))["streets"]
    return [district, *[root / s for s in streets]]


def fill_street(session, tenant: Tenant, street_index: int, households_per_grid: tuple[int, int],
                category_plan: list[str], quota: dict[str, int], window_end: date | None = None) -> dict:
    """Buildings, households, grid Party branches, central households and people for one street."""
    rng = random.Random(f"jiceng-demo-{tenant.slug}")
    tid = tenant.id
    checked = {"tenant_checked_insert": True}
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tid,
                                                       OrgUnit.kind.in_(("community", "grid", "compound")))
                                 .order_by(OrgUnit.path)))
    communities = [u for u in units if u.kind == "community"]
    grids = [u for u in units if u.kind == "grid"]
    compounds = {u.code: u for u in units if u.kind == "compound"}
    parties = {p.org_unit_id: p for p in session.scalars(select(PartyOrg).where(PartyOrg.tenant_id == tid))}

    # buildings and households
    refresh_statistics(session)
    household_rows = []
    for grid in grids:
        comp_codes = grid.attrs.get("compounds") or []
        n = rng.randint(*households_per_grid) if households_per_grid[1] else 0
        per_building = 36
        for b in range(max(1, -(-n // per_building)) if n else 0):
            comp = compounds.get(comp_codes[b % len(comp_codes)]) if comp_codes else None
            building = OrgUnit(tenant_id=tid, parent_id=grid.id, kind="building", code=f"{grid.code}-b{b + 1:02d}",
                               name=f"{b + 1}栋", attrs={"compound_id": comp.id} if comp else {}, path="")
            session.add(building)
            session.flush()
            building.path = f"{grid.path}{building.id}/"
            for k in range(min(per_building, n - b * per_building)):
                household_rows.append({"tenant_id": tid, "parent_id": building.id, "kind": "household",
                                       "code": f"{building.code}-{k + 1:03d}", "name": f"{k // 6 + 1}单元{k % 6 + 1:02d}室",
                                       "path": "", "attrs": {}})
    if household_rows:
        session.execute(insert(OrgUnit).execution_options(**checked), household_rows)
        refresh_statistics(session)
        session.execute(text(
            "UPDATE org_unit SET path = (SELECT p.path FROM org_unit p WHERE p.tenant_id = org_unit.tenant_id "
            "AND p.id = org_unit.parent_id) || CAST(id AS TEXT) || '/' "
            "WHERE tenant_id = :t AND kind = 'household' AND path = ''"), {"t": tid})

    # a Party branch (网格党支部) for every grid
    for grid in grids:
        if grid.id not in parties:
            community_party = parties.get(grid.parent_id)
            branch = PartyOrg(tenant_id=tid, kind="党支部", org_unit_id=grid.id, name=f"{grid.name}党支部",
                              parent_id=community_party.id if community_party else None)
            session.add(branch)
            parties[grid.id] = branch
    for com in communities:  # 37 joint Party organisations of a district department and a community
        department = DEPARTMENTS[(street_index * 9 + communities.index(com)) % len(DEPARTMENTS)]
        session.add(PartyOrg(tenant_id=tid, kind="联合党组织", org_unit_id=com.id, name=f"{department}+{com.name}联合党组织"))
    session.flush()

    # central households: a share of 1,150 by grid, each linked to 5–15 households of its grid
    household_ids: dict[int, list[int]] = {}
    for hid, path in session.execute(select(OrgUnit.id, OrgUnit.path).where(
            OrgUnit.tenant_id == tid, OrgUnit.kind == "household").order_by(OrgUnit.id)):
        grid_id = int(path.strip("/").split("/")[-3])
        household_ids.setdefault(grid_id, []).append(hid)
    central_rows, link_rows = [], []
    share = CENTRAL_HOUSEHOLDS // 5
    for i, grid in enumerate(grids * 10):
        if len(central_rows) >= share:
            break
        pool = household_ids.get(grid.id, [])
        if len(pool) < 20:
            continue
        offset = (i // len(grids)) * 16
        if offset + 16 > len(pool):
            continue
        centre = pool[offset]
        central_rows.append(centre)
        for hid in pool[offset + 1: offset + 1 + rng.randint(5, 15)]:
            link_rows.append({"tenant_id": tid, "central_household_id": centre, "household_id": hid})
    if central_rows:
        session.execute(OrgUnit.__table__.update().where(OrgUnit.__table__.c.id.in_(central_rows))
                        .values(is_central_household=True))
        session.execute(insert(CentralHouseholdLink).execution_options(**checked), link_rows)

    # people
    phones = PhoneBook(street_index * 1_000_000)
    people: list[dict] = []
    name_no = {c.id: 0 for c in communities}

    def person(unit: OrgUnit, community_id: int, kinds: list[str], tags: list[str] | None = None, **extra):
        i = name_no[community_id]
        name_no[community_id] = i + 1
        name = name_for(i)
        phone = phones.next()
        people.append({"tenant_id": tid, "org_unit_id": unit.id, "name": name, "initials": initials(name),
                       "phone": phone, "phone_last4": phone[-4:], "kinds": kinds, "tags": tags or [],
                       "party_member": extra.pop("party_member", False), **extra})

    def take(key: str) -> bool:
        if quota[key] > 0:
            quota[key] -= 1
            return True
        return False

    # 269 two-committee members (10 communities with 8, 27 with 7), 215 with college education,
    # 37 secretaries of whom 23 also chair the residents' committee, 22 young cadres; the previous
    # term had 269 too, 170 with college education (seats in ``committee_member``, filled below)
    seats: list[dict] = []
    for n, com in enumerate(communities):
        size = committee_size(n)
        both = take("yijiantiao")
        college = take("college")
        person(com, com.id, ["cadre"], ["两委", "社区书记"] + (["一肩挑"] if both else [])
               + (["大专及以上"] if college else []), party_member=True)
        seats.append({"community": com.id, "name": people[-1]["name"], "secretary": True, "director": both,
                      "college": college, "young": False})
        person(com, com.id, ["grid_worker"], ["受理员"])
        for k in range(size - 1):
            college, young = take("college"), take("young")
            person(com, com.id, ["cadre"], ["两委"] + (["大专及以上"] if college else [])
                   + (["年轻干部"] if young else []))
            seats.append({"community": com.id, "name": people[-1]["name"], "secretary": False,
                          "director": k == 0 and not both, "college": college, "young": young})
            if young:  # the member a young cadre replaced sat on the previous term only
                person(com, com.id, ["cadre"], ["往届两委"])
                seats.append({"community": com.id, "name": people[-1]["name"], "secretary": False,
                              "director": False, "college": False, "young": False, "former": True})
    for grid in grids:
        kind = "exclusive" if grid.attrs.get("grid_type") == "exclusive" else "residential"
        person(grid, grid.parent_id, ["grid_worker"], ["网格长"])
        person(grid, grid.parent_id, ["grid_worker"], ["专属网格员" if kind == "exclusive" else "专职网格员"])
    root = session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tid, OrgUnit.parent_id.is_(None))).first()
    name_no[root.id] = 0
    for agency in LIAISONS:
        person(root, root.id, ["grid_worker"], ["执法联络员", agency])
    for k, category in enumerate(category_plan):
        grid = grids[k % len(grids)]
        branch = parties.get(grid.id)
        pool = household_ids.get(grid.id) or [None]
        person(grid, grid.parent_id, ["party_member"], [], party_member=True, mgmt_category=category,
               party_org_id=branch.id if branch else None, household_id=pool[k % len(pool)],
               employer="演示单位" if category == "双重管" else None)
    brand = [c for c in communities if c.attrs.get("brand")]
    for com in brand:  # plain residents only in the brand communities, to keep start-up quick
        for grid in (g for g in grids if g.parent_id == com.id):
            for hid in household_ids.get(grid.id, [])[::10]:
                person(grid, com.id, ["resident"], [], household_id=hid)
    session.execute(insert(Person).execution_options(**checked), people)
    fill_seats(session, tid, seats, quota, window_end, random.Random(f"jiceng-demo-education-{tenant.slug}"))
    return {"households": len(household_rows), "people": len(people), "central_households": len(central_rows)}


#: the residents' committees were elected in 2018 and again in 2021 (demo dates)
PREVIOUS_TERM = (date(2018, 6, 1), date(2021, 5, 31))
CURRENT_TERM = date(2021, 6, 1)


def fill_seats(session, tid: int, seats: list[dict], quota: dict[str, int], window_end: date | None, rng) -> None:
    """Two-committee seats of this term and the last, with the education each member had then.
    Young cadres joined within the two-year window, replacing a member of the previous term."""
    ids = {(unit, name): pid for pid, unit, name in session.execute(
        select(Person.id, Person.org_unit_id, Person.name).where(
            Person.tenant_id == tid, Person.org_unit_id.in_({s["community"] for s in seats})))}
    end = window_end or date(2026, 10, 31)
    rows, young_n = [], 0
    for seat in seats:
        pid = ids[(seat["community"], seat["name"])]
        now = rng.choice(("大专", "本科", "本科", "研究生")) if seat["college"] else rng.choice(("高中", "中专"))
        base = {"tenant_id": tid, "community_id": seat["community"], "person_id": pid, "secretary": seat["secretary"],
                "director": seat["director"], "young_cadre": False}
        if not seat.get("former"):
            joined = CURRENT_TERM
            if seat["young"]:
                months = end.year * 12 + end.month - 1 - (young_n % 23)
                joined, young_n = date(months // 12, months % 12 + 1, 1), young_n + 1
            rows.append({**base, "term_start": CURRENT_TERM, "term_end": None, "education": now,
                         "young_cadre": seat["young"], "joined_on": joined})
        if seat["young"]:
            continue  # joined this term
        had = (seat["college"] or seat.get("former")) and take_from(quota, "college_before")
        before = (now if seat["college"] else "大专") if had else (now if not seat["college"] else rng.choice(("高中", "中专")))
        rows.append({**base, "term_start": PREVIOUS_TERM[0], "term_end": PREVIOUS_TERM[1], "education": before,
                     "joined_on": PREVIOUS_TERM[0]})
    if rows:
        session.execute(insert(CommitteeMember).execution_options(tenant_checked_insert=True), rows)


def take_from(quota: dict[str, int], key: str) -> bool:
    if quota.get(key, 0) > 0:
        quota[key] -= 1
        return True
    return False


#: district departments paired with a community in a joint Party organisation (demo names)
DEPARTMENTS = ("区委组织部", "区司法局", "区民政局", "区卫健委", "区教育局", "区住建局", "区城管局", "区财政局",
               "区人社局", "区市场监管局", "区文旅局", "区应急管理局", "区委宣传部", "区发改委", "区农业农村局",
               "区生态环境分局", "区退役军人事务局", "区总工会", "团区委", "区妇联")
LEADERS = 30


def fill_district(session, tenant: Tenant, streets: list[Tenant]) -> dict:
    """The district's county-level leaders, each linked to communities of its streets: 23 to one
    and 7 to two, so 30 leaders cover the 37 communities once each."""
    root = session.scalars(select(OrgUnit).where(OrgUnit.tenant_id == tenant.id, OrgUnit.parent_id.is_(None))).one()
    communities = [(s.id, code) for s in streets for code in session.scalars(
        select(OrgUnit.code).where(OrgUnit.tenant_id == s.id, OrgUnit.kind == "community").order_by(OrgUnit.path))]
    phones = PhoneBook(9_000_000)
    leaders = []
    for i in range(LEADERS):
        name, phone = name_for(i), phones.next()
        leaders.append(Person(tenant_id=tenant.id, org_unit_id=root.id, name=name, initials=initials(name), phone=phone,
                              phone_last4=phone[-4:], kinds=["leader"], tags=["县级领导干部"], party_member=True))
    session.add_all(leaders)
    session.flush()
    links, queue = [], iter(communities)
    for i, leader in enumerate(leaders):
        for _k in range(1 if i < LEADERS - 7 else 2):
            street_id, code = next(queue, (None, None))
            if code is not None:
                links.append(LeaderLink(tenant_id=tenant.id, leader_id=leader.id, street_id=street_id,
                                        community_code=code, since=CURRENT_TERM))
    session.add_all(links)
    session.flush()
    return {"leaders": len(leaders), "links": len(links)}


def committee_size(n: int) -> int:
    """Two-committee seats of a street's n-th community: the first two have 8, the others 7."""
    return 8 if n < 2 else 7


#: the cadre figures of the whole district (seed facts §2.3), shared among the streets
CADRE_TOTALS = (("college", 215, "seats"), ("college_before", 170, "seats"), ("yijiantiao", 23, "communities"),
                ("young", 22, "seats"))


def cadre_quotas(communities_per_street: list[int]) -> list[dict[str, int]]:
    """Each street's share of the cadre figures, in proportion to its seats or communities (largest
    remainder, so the shares add up to the district's totals exactly)."""
    weights = {"communities": communities_per_street,
               "seats": [sum(committee_size(n) for n in range(c)) for c in communities_per_street]}
    quotas: list[dict[str, int]] = [{} for _ in communities_per_street]
    for key, total, basis in CADRE_TOTALS:
        w = weights[basis]
        whole = sum(w) or 1
        shares = [total * x // whole for x in w]
        order = sorted(range(len(w)), key=lambda i: (-(total * w[i] % whole), i))
        for i in order[:total - sum(shares)]:
            shares[i] += 1
        for q, n in zip(quotas, shares):
            q[key] = n
    return quotas


def refresh_statistics(session) -> None:
    """PostgreSQL plans foreign-key checks from table statistics; after a bulk load inside one
    transaction they still say "empty" and every check becomes a sequential scan."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE org_unit"))


def category_plans(n_streets: int) -> list[list[str]]:
    """Deal the district's Party members by five-in-one category to the streets, deterministically."""
    plan = [c for c, n in CATEGORY_COUNTS for _ in range(n)]
    random.Random("jiceng-demo-categories").shuffle(plan)
    return [plan[i::n_streets] for i in range(n_streets)]


def is_filled(session, tenant_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Person).where(Person.tenant_id == tenant_id)))


#: what a reset keeps: who the tenant is and how it is set up (members, roles, module switches and
#: settings, calendar, the platform's own audit), not what it holds
KEPT_ON_RESET = frozenset({"tenant", "tenant_plugin", "membership", "role", "calendar_override", "platform_audit"})


def reset_tenant(session, tenant_id: int) -> dict[str, int]:
    """Delete a demo tenant's data, core's and every plugin's, children before parents (the
    definition is re-applied and the data refilled afterwards). The foreign keys are read from the
    database itself, so a plugin's tables are reached even when its models are not imported, and
    the order is one the database accepts on SQLite and PostgreSQL alike."""
    import warnings

    from sqlalchemy import MetaData, update
    from sqlalchemy.exc import SAWarning

    from .tenancy.models import TenantPlugin
    schema = MetaData()
    with warnings.catch_warnings():  # only tables and foreign keys matter here, not exotic indexes
        warnings.simplefilter("ignore", SAWarning)
        schema.reflect(bind=session.connection())
    counts: dict[str, int] = {}
    if session.get_bind().dialect.name == "postgresql":  # lets append-only tables (plugin triggers) be purged
        session.execute(text("SET LOCAL jiceng.purge = 'on'"))
    for table in reversed(schema.sorted_tables):
        if "tenant_id" not in table.c or table.name in KEPT_ON_RESET or table.name.startswith("alembic_"):
            continue
        stmt = delete(table).where(table.c.tenant_id == tenant_id)
        if table.name == "org_unit":  # the root stays: the definition hangs the tree from it again
            stmt = stmt.where(table.c.parent_id.is_not(None))
        counts[table.name] = session.execute(stmt).rowcount
    # every plugin prepares and fills its data again on the next load
    session.execute(update(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id)
                    .values(demo_filled_at=None, data_version=None))
    return counts
