"""Demo data in the seed's figures (seed facts §2.6): 42 stations (5 street 大工委, 37 community 大党委),
8 quarters each (336 cycles), every cycle with a joint meeting whose minutes are approved and a list
review, so quarterly compliance is 100%; the 111 co-building units of core's register with covenants;
about 1,000 demands, 800 resources and 250 projects with about 900 claims; 28 matters escalated from
office hours with their outcomes sent back; and in the last quarter 4 matters rolled over once and 1
twice (the 长期未决 prompt). Written in bulk, split across the district's streets so the district sums
exactly."""
from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from core import api
from core.api import clock, db, OrgUnit, ResidentUnit

from .models import (AgendaItem, Claim, Covenant, Cycle, Decision, Item, Matter, Meeting, Member, Project, Station,
                     Unit)
from .services.cycles import phase_dates, quarter_of

TOTALS = {"demand": 1000, "resource": 800, "project": 250, "claims": 900, "office_hours": 28}
ROLLED = [(1, 4), (2, 1)]  # (times rolled over, matters) in the last quarter, district-wide
TYPES = {"国有企业": "国企", "民营企业": "企业", "学校": "学校", "医院": "医院", "社会组织": "社会组织",
         "党政机关": "党政机关"}
DEMANDS = ["老旧小区楼道照明改造", "独居老人助餐", "青少年暑期托管", "小区停车秩序整治", "健康义诊进社区",
           "文化广场设施维修", "垃圾分类宣传", "困难家庭结对帮扶"]
RESOURCES = ["会议室开放", "志愿服务队", "法律咨询", "医疗专家坐诊", "文体场地", "技能培训课程", "爱心物资"]
PROJECTS = ["党建治理双提升共建项目", "红色物业共建", "邻里中心共建", "平安小区共建"]
CATEGORIES = ("共建深化", "协商议事", "贴心服务", "志愿爱心", "文化繁荣", "净化整治")


def share(total: int, index: int, n: int) -> int:
    return total * (index + 1) // n - total * index // n


def _position(tenant) -> tuple[int, int]:
    if not tenant.parent_id:
        return 0, 1
    siblings = [s.id for s in api.streets_of(tenant.parent_id)]
    return siblings.index(tenant.id), len(siblings)


def quarters(window_end: date, n: int = 8) -> list[tuple[int, int]]:
    y, q = quarter_of(window_end)
    out = []
    for _ in range(n):
        out.append((y, q))
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    return out[::-1]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())


def fill(tenant, window_end: date) -> int:
    """The street's share (nothing for a district; nothing twice)."""
    if tenant.kind != "street" or db.session.scalar(select(func.count()).select_from(Station)):
        return 0
    index, n = _position(tenant)
    rng = random.Random(f"jiceng-discussion-demo-{tenant.slug}")
    root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    communities = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.id)).all()
    name = api.settings("discussion")["display_name"]
    stations = [Station(org_unit_id=root.id, level="street", display_name=f"{name}（{root.name}大工委）")]
    stations += [Station(org_unit_id=c.id, level="community", display_name=f"{name}（{c.name}大党委）")
                 for c in communities]
    db.session.add_all(stations)
    db.session.flush()

    units = []
    for ru in db.session.scalars(select(ResidentUnit).order_by(ResidentUnit.id)):
        units.append(Unit(resident_unit_id=ru.id, name=ru.name, uscc=ru.uscc, type=TYPES.get(ru.kind, "其他"),
                          party_org_name=f"{ru.name}党支部"))
    db.session.add_all(units)
    db.session.flush()
    periods = quarters(window_end)
    first_day = date(periods[0][0], 3 * periods[0][1] - 2, 1)
    db.session.execute(insert(Covenant).execution_options(tenant_checked_insert=True), [
        {"tenant_id": tenant.id, "unit_id": u.id, "org_unit_ids": [rng.choice(communities).id] if communities else [],
         "term_start": first_day, "term_end": first_day + timedelta(days=3 * 365), "signed_at": first_day,
         "commitments": "参与需求、资源、项目三张清单双向认领，每季度参加联席会议"} for u in units])

    member_rows = []
    for s in stations:
        roles = [("chair", "书记"), ("member", "副书记"), ("member", "委员"), ("mass_org_rep", "工青妇代表"),
                 ("resident_rep", "居民代表")] + [("unit_rep", "共建单位代表")] * 2 + [("observer", "列席")]
        for i, (role, label) in enumerate(roles):
            unit = units[(s.id + i) % len(units)] if role == "unit_rep" and units else None
            member_rows.append({"tenant_id": tenant.id, "station_id": s.id, "name": f"{label}{i + 1}", "role": role,
                                "voting": role != "observer", "unit_id": unit.id if unit else None,
                                "valid_from": first_day})
    db.session.execute(insert(Member).execution_options(tenant_checked_insert=True), member_rows)

    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    cycles: list[Cycle] = []
    for s in stations:
        for i, (y, q) in enumerate(periods):
            last = i == len(periods) - 1
            cycles.append(Cycle(station_id=s.id, year=y, quarter=q, phase="implementing" if last else "archived",
                                phase_dates=phase_dates(y, q),
                                archived_at=None if last else _at(date.fromisoformat(phase_dates(y, q)["archived"]))))
    db.session.add_all(cycles)
    db.session.flush()

    meetings = []
    for c in cycles:
        day = date.fromisoformat(c.phase_dates["review_meeting"]) + timedelta(days=rng.randrange(0, 10))
        meetings.append(Meeting(station_id=c.station_id, cycle_id=c.id, starts_at=_at(min(day, today)),
                                location="党群服务中心", state="minutes_draft", quorum_required=4,
                                present_voting=rng.randint(5, 7),
                                minutes_text="联席会议纪要（演示）：审议本季度需求、资源、项目清单，通过。",
                                minutes_approved_by=[]))
    db.session.add_all(meetings)
    db.session.flush()
    prev = None
    for m in meetings:  # approved (and locked) once their ids are known for the hash chain
        m.prev_hash, m.state = prev, "minutes_approved"
        m.minutes_approved_at = clock.aware(m.starts_at) + timedelta(hours=8)
        m.hash = prev = hashlib.sha256(f"{prev or ''}|{m.id}|{m.minutes_text}".encode()).hexdigest()
    agenda = [AgendaItem(meeting_id=m.id, subject_type="list_review", order_no=1, motion_text="审议本季度三张清单")
              for m in meetings]
    db.session.add_all(agenda)
    db.session.flush()
    prev = None
    decisions = []
    for m, a in zip(meetings, agenda):
        raw = f"{prev or ''}|{m.id}|{a.id}|审议通过本季度三张清单|approved||{clock.aware(m.starts_at).isoformat()}"
        h = hashlib.sha256(raw.encode()).hexdigest()
        decisions.append({"tenant_id": tenant.id, "meeting_id": m.id, "agenda_item_id": a.id, "outcome": "approved",
                          "text": "审议通过本季度三张清单", "decided_at": m.starts_at, "prev_hash": prev, "hash": h})
        prev = h
    db.session.execute(insert(Decision).execution_options(tenant_checked_insert=True), decisions)

    made = _lists(tenant, index, n, rng, cycles, units, stations)
    _matters(tenant, index, n, stations, cycles, meetings)
    db.session.flush()
    return made


def _lists(tenant, index, n, rng, cycles, units, stations) -> int:
    names = {s.id: s.display_name for s in stations}
    station_unit = {s.id: s.org_unit_id for s in stations}
    items = []
    for kind, titles in (("demand", DEMANDS), ("resource", RESOURCES), ("project", PROJECTS)):
        total = share(TOTALS[kind], index, n)
        for i in range(total):
            c = cycles[i * len(cycles) // total] if total else cycles[0]
            by_unit = kind == "resource" or (kind == "demand" and i % 5 == 0)
            unit = units[rng.randrange(len(units))] if by_unit and units else None
            items.append(Item(cycle_id=c.id, kind=kind, title=rng.choice(titles), category=rng.choice(CATEGORIES),
                              owner_type="unit" if unit else "community",
                              owner_id=unit.id if unit else station_unit[c.station_id],
                              owner_name=unit.name if unit else names[c.station_id].rpartition("（")[2].rstrip("）"),
                              quantity=rng.randint(1, 4), state="published"))
    db.session.add_all(items)
    db.session.flush()
    claimable = [it for it in items if it.kind in ("demand", "resource")]
    rng.shuffle(claimable)
    claims = []
    for it in claimable[:share(TOTALS["claims"], index, n)]:
        if not units:
            break
        pick = rng.randrange(len(units))
        unit = units[pick] if not (it.owner_type == "unit" and it.owner_id == units[pick].id) else \
            units[(pick + 1) % len(units)]
        if it.owner_type == "unit" and it.owner_id == unit.id:
            continue
        q = rng.randint(1, it.quantity)
        it.claimed = q
        it.state = "fulfilled" if q == it.quantity else "partially_claimed"
        claims.append({"tenant_id": tenant.id, "item_id": it.id, "claimant_type": "unit", "claimant_unit_id": unit.id,
                       "claimant_name": unit.name, "direction": "serve" if it.kind == "demand" else "use",
                       "quantity": q, "state": "verified", "plan": "按季度计划落实", "evidence": ["现场照片"],
                       "delivered_at": it.created_at, "verified_at": it.created_at})
    if claims:
        db.session.execute(insert(Claim).execution_options(tenant_checked_insert=True), claims)
    projects = [{"tenant_id": tenant.id, "station_id": next(c.station_id for c in cycles if c.id == it.cycle_id),
                 "title": it.title, "progress": 100, "status": "completed", "budget": rng.randint(1, 20) * 1000}
                for it in items if it.kind == "project"]
    if projects:
        db.session.execute(insert(Project).execution_options(tenant_checked_insert=True), projects)
    for it in items:
        if it.kind == "project":
            it.state = "fulfilled"
    return len(items)


def _matters(tenant, index, n, stations, cycles, meetings) -> None:
    """28 office-hours matters (closed, outcome sent back) and the last quarter's rolled-over matters."""
    by_station = {}
    for c in cycles:
        by_station.setdefault(c.station_id, []).append(c)
    community = [s for s in stations if s.level == "community"] or stations
    rows = []
    for i in range(share(TOTALS["office_hours"], index, n)):
        s = community[i % len(community)]
        c = by_station[s.id][i % (len(by_station[s.id]) - 1)]
        rows.append({"tenant_id": tenant.id, "station_id": s.id, "cycle_id": c.id, "title": "居民在党代表工作室反映的问题",
                     "body": "经党代表工作室提交议事（演示）", "origin": "office_hours",
                     "origin_ref": f"office_hours:demo-{tenant.slug}-{i}", "state": "closed",
                     "outcome": "联席会议议定并落实，已向居民反馈", "outcome_sent_at": _at(date.fromisoformat(
                         c.phase_dates["publicizing"])), "author_name": "居民"})
    last = {s.id: by_station[s.id][-1] for s in stations}
    k = 0
    for times, total in ROLLED:
        for _ in range(share(total, index, n)):
            s = community[k % len(community)]
            k += 1
            rows.append({"tenant_id": tenant.id, "station_id": s.id, "cycle_id": last[s.id].id,
                         "title": "小区加装电梯协调" if times == 2 else "背街小巷路灯增设", "body": "演示议题",
                         "origin": "resident", "state": "admitted", "rollover_n": times, "author_name": "居民"})
    if rows:
        db.session.execute(insert(Matter).execution_options(tenant_checked_insert=True), rows)
