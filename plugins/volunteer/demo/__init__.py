"""Demo data in the seed's counts (seed facts §2.5), each street its share so the district sums:
2,046 in-service members holding 3,124 为民服务岗位 (1,078 with two, 968 with one) and 150 open
posts; 152 teams (58 Party-member, 37 league, 57 public; four per community, five in four) holding
326 志愿服务岗位 (22 teams three, 130 two); 310 retirees in the three roles (120/110/80); 64 students
and 48 veterans on public-welfare posts; 1,126 settled activities with 30,418 beneficiaries. Rows
go in with bulk inserts, so a demo load stays quick."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from core import api
from core.api import OrgUnit, Person, clock, db

from ..models import PostClaim, ServicePost, Team, TeamMember, Volunteer

BULK = {"tenant_checked_insert": True}
EMPLOYERS = ["区委组织部", "区财政局", "区教育体育局", "区卫生健康委", "区住房城乡建设局", "区民政局", "区税务局",
             "区人民医院", "区供电公司", "区实验小学"]
RESIDENT_POSTS = ["楼栋政策宣传岗", "邻里互助岗", "环境卫生监督岗", "关爱老人岗", "文明劝导岗", "矛盾排查岗",
                  "平安巡逻岗", "垃圾分类指导岗", "便民代办岗", "四点半课堂辅导岗"]
TEAM_POSTS = ["社区清洁家园志愿服务岗", "敬老助老志愿服务岗", "政策宣讲志愿服务岗", "文化活动志愿服务岗",
              "疫情防控志愿服务岗", "交通文明引导岗"]
TEAM_KINDS = (("party_member", "党员先锋志愿服务队"), ("league", "青年志愿服务队"), ("masses", "邻里守望志愿服务队"))


def share(total: int, index: int, n: int) -> int:
    """Street ``index`` of ``n`` gets its part of ``total``; the parts add up exactly."""
    return total * (index + 1) // n - total * index // n


def window(end: date) -> tuple[date, date]:
    month = end.month - 23
    year = end.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1), end


def _position(tenant) -> tuple[int, int]:
    if not tenant.parent_id:
        return 0, 1
    siblings = [s.id for s in api.streets_of(tenant.parent_id)]
    return siblings.index(tenant.id), len(siblings)


def _bulk(model, rows: list[dict]) -> list[int]:
    """Insert rows at once; their ids in the order given."""
    if not rows:
        return []
    return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True)
                                   .execution_options(**BULK), rows))


def fill(tenant, window_end: date) -> int:
    if tenant.kind != "street" or db.session.scalar(select(func.count()).select_from(Volunteer)):
        return 0
    index, n = _position(tenant)
    rng = random.Random(f"jiceng-volunteer-demo-{tenant.slug}")
    start, end = window(window_end)
    tid = tenant.id
    communities = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.path)))
    if not communities:
        return 0
    community_of = {}
    for uid, path in db.session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.kind.in_(("community", "grid")))):
        parts = [int(p) for p in path.strip("/").split("/")]
        com = next((c for c in communities if c.id in parts), None)
        community_of[uid] = com.id if com else communities[0].id
    first = communities[0].id
    people = list(db.session.execute(select(Person.id, Person.name, Person.org_unit_id, Person.mgmt_category,
                                            Person.party_member).where(Person.erased_at.is_(None)).order_by(Person.id)))
    in_service = [p for p in people if p.mgmt_category == "双重管"]
    retired = [p for p in people if p.mgmt_category == "参管"] + [p for p in people if p.mgmt_category == "直管"]
    others = [p for p in people if not p.party_member]
    roles = [("policy_publicist", share(120, index, n)), ("opinion_courier", share(110, index, n)),
             ("mediator", share(80, index, n))]
    n_students, n_veterans = share(64, index, n), share(48, index, n)

    registered = datetime.combine(start, time(9), tzinfo=clock.SHANGHAI)
    rows, kinds_of = [], []

    def vol(p, kind: str, **extra):
        unit = community_of.get(p.org_unit_id, first)
        rows.append({"tenant_id": tid, "person_id": p.id, "org_unit_id": unit, "name": p.name, "kinds": [kind],
                     "status": "active", "three_roles": {}, "registered_on": start, "minor": False, "employer": None,
                     "board_consent": "full_name" if len(rows) % 20 < 3 else "masked",
                     "registered_at": registered, **extra})
        kinds_of.append(kind)

    for i, p in enumerate(in_service):
        vol(p, "in_service_member", employer=EMPLOYERS[i % len(EMPLOYERS)])
    k = 0
    for role, count in roles:
        for p in retired[k:k + count]:
            vol(p, "retired_member", three_roles={role: start.isoformat()})
        k += count
    extra_pool = others if len(others) >= n_students + n_veterans else [p for p in people if p not in in_service
                                                                         and p not in retired[:k]]
    for p in extra_pool[:n_students]:
        vol(p, "student")
    for p in extra_pool[n_students:n_students + n_veterans]:
        vol(p, "veteran")
    ids = _bulk(Volunteer, rows)
    vols = [(vid, row["org_unit_id"], kind) for vid, row, kind in zip(ids, rows, kinds_of)]

    # teams: four per community, five in some; Party-member, league and public teams by the street's share
    extra_teams = share(4, index, n)
    plan = [c.id for c in communities for _ in range(4)] + [c.id for c in communities[:extra_teams]]
    n_party, n_league = share(58, index, n), share(37, index, n)
    team_rows = []
    by_unit: dict[int, list[int]] = {}
    for vid, unit, _kind in vols:
        by_unit.setdefault(unit, []).append(vid)
    names = {c.id: c.name for c in communities}
    for t, unit in enumerate(plan):
        kind = 0 if t < n_party else 1 if t < n_party + n_league else 2
        pool = by_unit.get(unit) or [vols[0][0]]
        team_rows.append({"tenant_id": tid, "org_unit_id": unit, "type": TEAM_KINDS[kind][0], "status": "active",
                          "name": f"{names[unit]}{TEAM_KINDS[kind][1]}{t % 5 + 1}队", "leader_id": pool[t % len(pool)],
                          "created_at": registered})
    team_ids = _bulk(Team, team_rows)
    member_rows = []
    for t, (team_id, row) in enumerate(zip(team_ids, team_rows)):
        pool = by_unit.get(row["org_unit_id"]) or []
        chosen = {row["leader_id"], *pool[t % 5::5][:12]}
        member_rows += [{"tenant_id": tid, "team_id": team_id, "volunteer_id": v, "joined_on": start} for v in chosen]
    _bulk(TeamMember, member_rows)

    # posts and claims
    claimed_at = datetime.combine(start + timedelta(days=30), time(10), tzinfo=clock.SHANGHAI)
    term_end = window_end + timedelta(days=180)
    two = share(1078, index, n)
    members = [(vid, unit) for vid, unit, kind in vols if kind == "in_service_member"]
    wants = [(vid, unit, 2 if i < two else 1) for i, (vid, unit) in enumerate(members)]
    post_rows, claim_keys = [], []

    def post(unit, kind, title, claimant=None, ctype="person"):
        post_rows.append({"tenant_id": tid, "org_unit_id": unit, "kind": kind, "title": title, "category": "",
                          "description": title.replace("岗", "") + "服务", "location": "", "claimant_type": ctype,
                          "capacity": 1, "active_claims": 1 if claimant else 0, "required_role": None,
                          "requires_review": True, "term_months": 12, "status": "open", "created_at": registered})
        claim_keys.append(claimant)

    for vid, unit, count in wants:
        for c in range(count):
            post(unit, "resident_service", RESIDENT_POSTS[(vid + c) % len(RESIDENT_POSTS)], ("v", vid))
    for o in range(share(150, index, n)):
        post(communities[o % len(communities)].id, "resident_service", RESIDENT_POSTS[o % len(RESIDENT_POSTS)])
    three = share(22, index, n)
    for t, (team_id, row) in enumerate(zip(team_ids, team_rows)):
        for c in range(3 if t < three else 2):
            post(row["org_unit_id"], "volunteer", TEAM_POSTS[(t + c) % len(TEAM_POSTS)], ("t", team_id), "team")
    for vid, unit, kind in vols:
        if kind in ("student", "veteran"):
            post(unit, "public_welfare", "社区公益服务岗" if kind == "student" else "退役军人公益服务岗", ("v", vid))
    post_ids = _bulk(ServicePost, post_rows)
    claim_rows = [{"tenant_id": tid, "post_id": pid, "claimant_type": "team" if who[0] == "t" else "person",
                   "volunteer_id": who[1] if who[0] == "v" else None, "team_id": who[1] if who[0] == "t" else None,
                   "claimant_key": f"{who[0]}{who[1]}", "state": "active", "claimed_at": claimed_at,
                   "decided_at": claimed_at, "term_end": term_end, "dormant": False}
                  for pid, who in zip(post_ids, claim_keys) if who]
    _bulk(PostClaim, claim_rows)

    from .activities import fill_activities
    fill_activities(tenant, index, n, rng, start, end, communities, team_ids, team_rows, vols)
    return len(ids)
