"""Demo activities over the two-year window, their check-ins and approved service records, and a
ledger posted in bulk that sums to zero: HOURS_CREDIT and EARN per record, 补录 records with hours
only, and a few voids through the real services (one leaves an account in debt)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta


from sqlalchemy import select

from core.api import clock, db

from ..models import (AccountBalance, Activity, LedgerAccount, LedgerEntry, LedgerTxn, PointLot, Registration,
                      RewardItem, ServiceRecord, StockMovement)
from ..services import chain
from . import _bulk, share

TYPES = ["epidemic", "policy", "cleanup", "elderly", "culture"]
TITLES = {"epidemic": "疫情防控志愿服务", "policy": "政策宣传进楼栋", "cleanup": "清洁家园行动", "elderly": "敬老助老上门服务",
          "culture": "邻里文化节"}
PARTICIPANTS = 5  # per activity: keeps the demo quick; the seed's ~41,000 records would take minutes
MINUTES = 120
REWARDS = [("洗衣液", 20), ("食用油", 50), ("大米 5 斤", 80), ("毛巾", 10)]


def fill_activities(tenant, index, n, rng, start, end, communities, team_ids, team_rows, vols) -> None:
    tid = tenant.id
    n_acts, n_benef = share(1126, index, n), share(30418, index, n)
    days = (end - start).days
    teams_by_unit: dict[int, list[int]] = defaultdict(list)
    for team_id, row in zip(team_ids, team_rows):
        teams_by_unit[row["org_unit_id"]].append(team_id)
    vols_by_unit: dict[int, list[int]] = defaultdict(list)
    for vid, unit, _kind in vols:
        vols_by_unit[unit].append(vid)
    act_rows = []
    for a in range(n_acts):
        unit = communities[a % len(communities)].id
        kind = TYPES[a % len(TYPES)]
        day = start + timedelta(days=(a * days) // max(1, n_acts))
        begins = datetime.combine(day, time(9), tzinfo=clock.SHANGHAI)
        teams = teams_by_unit.get(unit) or [None]
        act_rows.append({"tenant_id": tid, "org_unit_id": unit, "team_id": teams[a % len(teams)], "post_id": None,
                         "title": TITLES[kind], "type": kind, "location": "社区广场", "starts_at": begins,
                         "ends_at": begins + timedelta(minutes=MINUTES), "capacity": 30, "waitlist_enabled": True,
                         "checkin_code": f"{rng.randrange(1_000_000):06d}", "default_minutes": MINUTES,
                         "max_credit_minutes": MINUTES, "approval_mode": "manual",
                         "beneficiaries_count": share(n_benef, a, n_acts), "state": "settled", "created_at": begins})
    act_ids = _bulk(Activity, act_rows)

    reg_rows, rec_rows = [], []
    for aid, row in zip(act_ids, act_rows):
        pool = vols_by_unit.get(row["org_unit_id"]) or [vols[0][0]]
        offset = aid % max(1, len(pool))
        for p in range(min(PARTICIPANTS, len(pool))):
            vid = pool[(offset + p * 7) % len(pool)]
            reg_rows.append({"tenant_id": tid, "activity_id": aid, "volunteer_id": vid, "state": "registered",
                             "position": p + 1, "checked_in_at": row["starts_at"], "checked_out_at": row["ends_at"],
                             "created_at": row["starts_at"]})
            rec_rows.append({"tenant_id": tid, "volunteer_id": vid, "org_unit_id": row["org_unit_id"],
                             "activity_id": aid, "service_date": row["starts_at"].date(),
                             "started_at": row["starts_at"], "ended_at": row["ends_at"], "minutes_claimed": MINUTES,
                             "minutes_credited": MINUTES, "source": "checkin", "state": "approved",
                             "approved_at": row["ends_at"] + timedelta(days=1), "anomaly_flags": [],
                             "idempotency_key": f"a{aid}:v{vid}", "created_at": row["starts_at"]})
    seen = set()
    reg_rows = [r for r in reg_rows if (r["activity_id"], r["volunteer_id"]) not in seen
                and not seen.add((r["activity_id"], r["volunteer_id"]))]
    seen = set()
    rec_rows = [r for r in rec_rows if r["idempotency_key"] not in seen and not seen.add(r["idempotency_key"])]
    for b in range(share(40, index, n)):  # 补录: paper sheets entered afterwards, hours without points
        vid, unit, _k = vols[(b * 13) % len(vols)]
        day = start + timedelta(days=(b * 17) % max(1, days))
        rec_rows.append({"tenant_id": tid, "volunteer_id": vid, "org_unit_id": unit, "activity_id": None,
                         "service_date": day, "started_at": None, "ended_at": None, "minutes_claimed": 90,
                         "minutes_credited": 90, "source": "backfill", "state": "approved",
                         "approved_at": datetime.combine(day, time(18), tzinfo=clock.SHANGHAI), "anomaly_flags": [],
                         "idempotency_key": f"b:v{vid}:{day.isoformat()}:90:纸质台账", "created_at":
                         datetime.combine(day, time(18), tzinfo=clock.SHANGHAI)})
    _bulk(Registration, reg_rows)
    rec_ids = _bulk(ServiceRecord, rec_rows)
    post_ledger(tid, list(zip(rec_ids, rec_rows)))
    _rewards(tid, communities)
    _voids(index, n, list(zip(rec_ids, rec_rows)))


def post_ledger(tid: int, records: list) -> None:
    """HOURS_CREDIT for every approved record and EARN for those that earn points, with lots and
    the cached balances: each transaction sums to zero, so the whole ledger does."""
    vids = sorted({row["volunteer_id"] for _rid, row in records})
    acc_rows = [{"tenant_id": tid, "owner_type": "system", "owner_id": 0, "currency": c, "kind": "issuance",
                 "in_debt": False} for c in ("HOURS", "POINTS")]
    acc_rows += [{"tenant_id": tid, "owner_type": "volunteer", "owner_id": v, "currency": c, "kind": "member",
                  "in_debt": False} for v in vids for c in ("HOURS", "POINTS")]
    acc_ids = _bulk(LedgerAccount, acc_rows)
    acc = {(r["owner_id"], r["currency"]): i for i, r in zip(acc_ids, acc_rows)}
    txn_rows, plan = [], []
    for rid, row in records:
        posted = row["approved_at"]
        txn_rows.append({"tenant_id": tid, "txn_type": "HOURS_CREDIT", "business_date": row["service_date"],
                         "posted_at": posted, "source_type": "record", "source_id": rid, "reverses_txn_id": None,
                         "idempotency_key": f"hours:r{rid}", "created_by": None, "memo": ""})
        plan.append(("HOURS", row["volunteer_id"], row["minutes_credited"]))
        if row["source"] != "backfill":
            txn_rows.append({"tenant_id": tid, "txn_type": "EARN", "business_date": row["service_date"],
                             "posted_at": posted, "source_type": "record", "source_id": rid, "reverses_txn_id": None,
                             "idempotency_key": f"earn:r{rid}", "created_by": None, "memo": ""})
            plan.append(("POINTS", row["volunteer_id"], row["minutes_credited"] * 100 // 60))
    # the hash chain (services.chain), in the order the rows are inserted, which is id order
    prev = db.session.scalar(select(LedgerTxn.hash).order_by(LedgerTxn.id.desc()).limit(1))
    for txn, (cur, vid, amount) in zip(txn_rows, plan):
        lines = [(acc[(0, cur)], cur, -amount), (acc[(vid, cur)], cur, amount)]
        txn["prev_hash"], txn["hash"] = prev, chain.digest(txn, lines, prev)
        prev = txn["hash"]
    txn_ids = _bulk(LedgerTxn, txn_rows)
    entries, lots, totals = [], [], defaultdict(int)
    for txn_id, txn, (cur, vid, amount) in zip(txn_ids, txn_rows, plan):
        member, issuance = acc[(vid, cur)], acc[(0, cur)]
        entries += [{"tenant_id": tid, "txn_id": txn_id, "account_id": issuance, "currency": cur, "amount": -amount},
                    {"tenant_id": tid, "txn_id": txn_id, "account_id": member, "currency": cur, "amount": amount}]
        totals[issuance] -= amount
        totals[member] += amount
        if cur == "POINTS":
            lots.append({"tenant_id": tid, "earn_txn_id": txn_id, "account_id": member,
                         "earned_on": txn["business_date"], "expires_on": None, "original": amount,
                         "remaining": amount})
    entry_ids = _bulk(LedgerEntry, entries)
    last = {}
    for eid, e in zip(entry_ids, entries):
        last[e["account_id"]] = eid
    _bulk(PointLot, lots)
    now = clock.utcnow()
    _bulk(AccountBalance, [{"tenant_id": tid, "account_id": a, "balance": totals.get(a, 0),
                            "last_entry_id": last.get(a), "updated_at": now} for a in acc_ids])


def _rewards(tid: int, communities) -> None:
    rows = [{"tenant_id": tid, "org_unit_id": communities[0].id, "outlet": "爱心超市", "name": name,
             "points_price": price * 100, "stock": 20, "reserved": 0, "donor": "驻区共建单位", "active": True}
            for name, price in REWARDS]
    ids = _bulk(RewardItem, rows)
    _bulk(StockMovement, [{"tenant_id": tid, "item_id": i, "kind": "donation", "qty": 20, "order_id": None,
                           "created_by": None, "created_at": clock.utcnow()} for i in ids])


def _voids(index: int, n: int, records: list) -> None:
    """The street's share of the 3 voids, through the real services; in the last street the voided
    volunteer had already spent their points, so the reversal leaves the account in debt (欠分)."""
    from ..models import Volunteer
    from ..services import ledger, records as rec_svc, rewards
    voids = share(3, index, n)
    candidates = [rid for rid, row in records if row["source"] == "checkin"][:: 97][:voids]
    for k, rid in enumerate(candidates):
        rec = db.session.get(ServiceRecord, rid)
        if k == 0 and index == n - 1:  # this volunteer spent every point on a gift pack first
            vol = db.session.get(Volunteer, rec.volunteer_id)
            balance = ledger.balances("volunteer", vol.id)["POINTS"]
            item = RewardItem(org_unit_id=rec.org_unit_id, outlet="爱心超市", name="爱心大礼包", points_price=balance,
                              stock=0, reserved=0, donor="驻区共建单位", active=True)
            db.session.add(item)
            db.session.flush()
            rewards.restock(item, 1)
            rewards.fulfil(rewards.order(item, vol).pickup_code)
        rec_svc.void(rec, "演示：重复录入")
