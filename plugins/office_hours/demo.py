"""Demo data (seed facts §2.6): one studio per community, 74 Party congress deputies, 41 people's
congress deputies and 28 CPPCC members (synthetic), and two years in which every studio held at least
one reception a month: 888 required plus 71 extra, 959 held; 17 of them had no visitors, and in 5
studio-months that was the only one (已接待·无来访). About 2,700 visits gave about 1,180 matters: 60
referred to grids, 28 escalated to discussion, the rest answered on the spot or by departments.
Every district figure is split over the streets so the parts add up exactly. Rows go in with bulk
inserts; only the upcoming receptions are made by the scheduler itself."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select, update

from core import api
from core.api import clock, db, OrgUnit, Person

from .models import Callback, Feedback, Host, Issue, Reception, Representative, Series, Studio, Visit

KIND_TOTALS = {"party_congress": 74, "peoples_congress": 41, "cppcc": 28}
EXTRA, ZERO, ONLY_ZERO = 71, 17, 5
VISITS, ISSUES, TO_GRID, TO_DISCUSSION = 2700, 1180, 60, 28
CATEGORIES = ["livelihood"] * 5 + ["urban_property"] * 3 + ["sanitation"] * 2 + ["consultation"] * 3 + \
    ["dispute", "security", "other"]
GRID_CATEGORIES = ["livelihood"] * 35 + ["urban_property"] * 15 + ["sanitation"] * 10
WORDS = {"livelihood": "家里老人看病报销的事想问问怎么办", "urban_property": "小区路灯坏了好久没人修",
         "sanitation": "楼道里堆的杂物一直没清理", "consultation": "想了解一下今年的养老保险政策",
         "dispute": "楼上漏水和邻居说不通", "security": "小区门口晚上有人乱停车挡消防通道", "other": "希望社区多办些活动"}
CHECKED = {"tenant_checked_insert": True}
SURNAMES = "代陈林郑何罗梁宋谢韩唐冯于董萧程曹袁"
STEMS = "甲乙丙丁戊己庚辛壬癸"
SH = clock.SHANGHAI


def default_window() -> tuple[date, date]:
    """The demo's two years: 24 whole months ending with the last complete month."""
    today = clock.local(clock.utcnow()).date()
    return window_for(today.replace(day=1) - timedelta(days=1))


def window_for(end: date) -> tuple[date, date]:
    start_month = end.month - 23
    year = end.year + (start_month - 1) // 12
    month = (start_month - 1) % 12 + 1
    return date(year, month, 1), end


def share(total: int, index: int, n: int) -> int:
    """Street ``index`` of ``n`` gets its part of ``total``; the parts add up exactly."""
    return total * (index + 1) // n - total * index // n


def _position(tenant) -> tuple[int, int]:
    if not tenant.parent_id:
        return 0, 1
    siblings = [s.id for s in api.streets_of(tenant.parent_id)]
    return siblings.index(tenant.id), len(siblings)


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _bulk(model, rows: list[dict], returning: bool = False) -> list[int]:
    if not rows:
        return []
    stmt = insert(model).execution_options(**CHECKED)
    if returning:
        return list(db.session.scalars(stmt.returning(model.id, sort_by_parameter_order=True), rows))
    db.session.execute(stmt, rows)
    return []


def fill(tenant, window_end: date) -> int:
    """The street's share (nothing for a district; nothing twice)."""
    if tenant.kind != "street" or db.session.scalar(select(func.count()).select_from(Studio)):
        return 0
    communities = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.path)))
    if not communities:
        return 0
    index, n = _position(tenant)
    rng = random.Random(f"jiceng-office-hours-demo-{tenant.slug}")
    start, end = window_for(window_end)
    months = _months(start, end)
    tid = tenant.id
    cal = api.work_calendar()

    studios = [Studio(org_unit_id=c.id, name=f"{c.name}党代表工作室", address=f"{c.name}党群服务中心二楼",
                      public_phone="", kinds_hosted=list(KIND_TOTALS), compliance_from=start) for c in communities]
    db.session.add_all(studios)
    db.session.flush()

    # representatives: this street's share of each kind, spread over its communities
    people, reps = [], []
    for kind, total in KIND_TOTALS.items():
        for k in range(share(total, index, n)):
            c = communities[k % len(communities)]
            # obviously synthetic, as every demo person: surname, a stem (甲…癸) and two digits; phones 100…
            no = len(people)
            name = f"{SURNAMES[no % len(SURNAMES)]}{STEMS[(no // len(SURNAMES)) % 10]}{90 + no // 100:02d}"[:4]
            people.append({"tenant_id": tid, "org_unit_id": c.id, "name": name, "phone": f"1009{tid:03d}{no:04d}",
                           "phone_last4": f"{no:04d}", "kinds": ["representative"], "tags": ["代表"],
                           "initials": ""})
            reps.append((kind, c.id))
    person_ids = _bulk(Person, people, returning=True)
    rep_ids = _bulk(Representative, [{"tenant_id": tid, "person_id": pid, "org_unit_id": unit, "kind": kind,
                                      "level": "district", "term_start": date(start.year - 1, 1, 1),
                                      "linked_unit_ids": [unit], "status": "active", "created_at": clock.utcnow()}
                                     for pid, (kind, unit) in zip(person_ids, reps)], returning=True)
    by_unit: dict[int, list[int]] = {}
    for rid, (_kind, unit) in zip(rep_ids, reps):
        by_unit.setdefault(unit, []).append(rid)

    # which studio-months have an extra reception, and which receptions had nobody
    cells = [(s.id, y, m) for s in studios for y, m in months]
    extra = set(rng.sample(cells, share(EXTRA, index, n)))
    plain = [c for c in cells if c not in extra]
    only_zero = set(rng.sample(plain, share(ONLY_ZERO, index, n)))
    zero_with_extra = set(rng.sample(sorted(extra), share(ZERO - ONLY_ZERO, index, n)))

    def working_day(y: int, m: int, nth: int) -> date:
        d, seen = date(y, m, 1), 0
        while True:
            if cal.is_working(d):
                seen += 1
                if seen == nth:
                    return d
            d += timedelta(days=1)

    rows, zero_flags = [], []
    now = clock.utcnow()
    for s in studios:
        for y, m in months:
            for k, day in enumerate([rng.randint(3, 9)] + ([rng.randint(12, 17)] if (s.id, y, m) in extra else [])):
                d = working_day(y, m, day)
                starts = datetime.combine(d, time(9, 0) if k == 0 else time(14, 30), tzinfo=SH)
                zero = (k == 0 and ((s.id, y, m) in only_zero or (s.id, y, m) in zero_with_extra))
                late = rng.random() < 0.03
                rows.append({"tenant_id": tid, "studio_id": s.id, "series_id": None, "starts_at": starts,
                             "ends_at": starts + timedelta(hours=2), "state": "closed", "moved_reason": "",
                             "announced_at": starts - timedelta(days=2 if late else rng.randint(3, 7)),
                             "late_announcement": late, "reserved_walkin_seats": 2, "walkin_enabled": True,
                             "min_notice_hours": 2, "max_bookings_per_person_month": 3, "next_queue_no": 1,
                             "visitor_count": 0, "zero_visitors": zero, "minutes_text": "", "sequence": 0,
                             "version": 1, "closed_at": starts + timedelta(hours=2, minutes=30)})
                zero_flags.append(zero)
    # visits over the receptions that had visitors; their count is the reception's visitor_count
    with_visitors = [i for i, z in enumerate(zero_flags) if not z]
    counts = [1] * len(with_visitors)
    for _ in range(max(0, share(VISITS, index, n) - len(with_visitors))):
        counts[rng.randrange(len(with_visitors))] += 1
    for pos, i in enumerate(with_visitors):
        rows[i]["visitor_count"] = counts[pos]
    reception_ids = _bulk(Reception, rows, returning=True)
    studio_unit = {s.id: s.org_unit_id for s in studios}
    _bulk(Host, [{"tenant_id": tid, "reception_id": rid, "representative_id": rng.choice(by_unit[unit]),
                  "role": "host", "confirmed_at": row["announced_at"]}
                 for rid, row in zip(reception_ids, rows) if by_unit.get(unit := studio_unit[row["studio_id"]])])
    visit_rows = []
    for pos, i in enumerate(with_visitors):
        for _ in range(counts[pos]):
            cat = rng.choice(CATEGORIES)
            visit_rows.append({"tenant_id": tid, "reception_id": reception_ids[i], "visitor_name": "",
                               "anonymous": False, "confidential": rng.random() < 0.02,
                               "statement_verbatim": WORDS[cat], "summary": WORDS[cat][:20], "category": cat,
                               "read_back_confirmed_at": rows[i]["starts_at"] + timedelta(minutes=20),
                               "created_at": rows[i]["starts_at"] + timedelta(minutes=20)})
    visit_ids = _bulk(Visit, visit_rows, returning=True)

    # matters: grid referrals and escalations first, then answers on the spot and department referrals
    n_issues = min(share(ISSUES, index, n), len(visit_ids))
    chosen = sorted(rng.sample(range(len(visit_ids)), n_issues))
    n_grid, n_disc = share(TO_GRID, index, n), share(TO_DISCUSSION, index, n)
    grid_cats = GRID_CATEGORIES[sum(share(TO_GRID, j, n) for j in range(index)):][:n_grid]
    studio_of = dict(zip(reception_ids, [r["studio_id"] for r in rows]))
    issue_rows, plans = [], []
    for k, vi in enumerate(chosen):
        v = visit_rows[vi]
        route = "grid" if k < n_grid else "discussion" if k < n_grid + n_disc else \
            ("spot" if rng.random() < 0.55 else "department")
        cat = grid_cats[k] if route == "grid" else v["category"]
        created = v["created_at"]
        done = min(created + timedelta(days=rng.randint(1, 20)), now)
        issue_rows.append({"tenant_id": tid, "ref_no": f"MQ{tid:02d}-{k + 1:05d}", "visit_id": visit_ids[vi],
                           "studio_id": studio_of[v["reception_id"]],
                           "owner_org_unit_id": studio_unit[studio_of[v["reception_id"]]], "source": "visit",
                           "channel": "in_person", "title": v["summary"], "category": cat, "severity": "normal",
                           "state": "closed", "proposal": "", "deadline_explain": {}, "overdue": False,
                           "linked_type": route if route in ("grid", "discussion") else None,
                           "reopen_count": 0, "confidential": v["confidential"], "version": 1,
                           "created_at": created, "clock_from": created, "resolved_at": done,
                           "closed_at": done + timedelta(days=1),
                           "resolve_due": cal.add(created, 15, "working_day").due})
        plans.append((route, done))
    issue_ids = _bulk(Issue, issue_rows, returning=True)
    results = ["satisfied"] * 88 + ["basic"] * 9 + ["unsatisfied"] + ["unreachable"] * 2
    _bulk(Feedback, [{"tenant_id": tid, "issue_id": iid, "channel": "in_person", "given_at": done,
                      "content": "已当场答复" if route == "spot" else "已办理并答复"}
                     for iid, (route, done) in zip(issue_ids, plans)])
    _bulk(Callback, [{"tenant_id": tid, "issue_id": iid, "attempt_n": 1, "created_at": done + timedelta(days=1),
                      "result": r if r != "unsatisfied" else "basic", "note": ""}
                     for iid, (route, done), r in zip(issue_ids, plans, (rng.choice(results) for _ in plans))])

    # the coming weeks: a monthly series per studio, materialised by the scheduler; the next month is announced
    from .services import schedule
    for s in studios:
        hosts = by_unit.get(s.org_unit_id, [])[:1]
        db.session.add(Series(studio_id=s.id, rrule="FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2",
                              dtstart=datetime.combine(end + timedelta(days=1), time(9, 0), tzinfo=SH),
                              valid_from=end + timedelta(days=1), host_ids=hosts))
    db.session.flush()
    schedule.materialise()
    soon = list(db.session.scalars(select(Reception.id).where(Reception.state == "planned",
                                                              Reception.starts_at <= now + timedelta(days=30))))
    db.session.execute(update(Host).where(Host.reception_id.in_(soon or [0])).values(confirmed_at=now))
    db.session.execute(update(Reception).where(Reception.id.in_(soon or [0]))
                       .values(state="announced", announced_at=now))
    db.session.flush()
    return len(reception_ids)
