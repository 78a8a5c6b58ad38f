"""Demo data of the subsidy ledger, the assessments and the joint meetings (seed facts #39, #40, #74).

The district pays ¥152,000 a month for fallback (兜底) service: the fallback contracts of the district's
streets cover 15,200 households at ¥10 per household-month, each street its share, so every month of
the window has a budget line and accrued lines that each add up to 15,200,000 fen. Every fallback
compound-month has a confirmed assessment (all at or above 80, so the whole base is paid). In the
first street one month is corrected: its first assessment (78.50 → the 90% tier) is corrected to 86.00,
which posts a reversal and a new line, and the month is whole again. Older months are reviewed,
approved and disbursed. Every community holds a four-party joint meeting each quarter of the last
year; 河西社区 meets monthly."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from core import api
from core.api import OrgUnit, clock, db

from .models import CompoundProfile, CoveragePeriod, SubsidyEntry, SubsidyStep
from .models.assessment import Assessment
from .services import assessment as assess, ledger, meetings, subsidy
from .services.money import add_months, e4, window
from .services.scheme_template import default_checklist

RATE_FEN = 1000  # ¥10 per household-month
DISTRICT_HOUSEHOLDS = 15_200  # × ¥10 = ¥152,000 a month


def share(total: int, index: int, n: int) -> int:
    return total * (index + 1) // n - total * index // n


def _position(tenant) -> tuple[int, int]:
    if not tenant.parent_id:
        return 0, 1
    siblings = [s.id for s in api.streets_of(tenant.parent_id)]
    return siblings.index(tenant.id), len(siblings)


def fallback_households(target: int) -> int:
    """Spread the street's fallback households over its fallback contracts, in proportion to each
    compound's households (largest remainder), so they add up to ``target``; returns the sum."""
    periods = list(db.session.scalars(select(CoveragePeriod).where(CoveragePeriod.mode == "fallback")
                                      .order_by(CoveragePeriod.compound_id, CoveragePeriod.starts_on)))
    compounds = sorted({p.compound_id for p in periods})
    if not compounds:
        return 0
    profiles = {p.compound_id: p.households for p in db.session.scalars(select(CompoundProfile))}
    weights = [max(1, profiles.get(c, 1)) for c in compounds]
    total = sum(weights)
    exact = [target * w / total for w in weights]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(parts)), key=lambda i: -(exact[i] - parts[i]))[:target - sum(parts)]:
        parts[i] += 1
    by_compound = dict(zip(compounds, parts))
    for p in periods:
        p.households_covered = by_compound[p.compound_id]
    db.session.flush()
    return sum(parts)


def _scores(rng: random.Random, target_points: int | None = None) -> dict:
    """Item scores: full marks but a few deductions (each with a note), landing near ``target_points``."""
    items = [i for c in default_checklist() for i in c["items"]]
    scores = {i["code"]: {"score": str(i["max"]), "note": "", "photo": ""} for i in items}
    lose = 100 - (target_points if target_points is not None else rng.randint(84, 98))
    notes = ["楼道堆物未及时清理", "绿地有黄土裸露", "巡逻记录缺两天", "垃圾清运不及时", "消防器材过期一具", "公示栏信息未更新"]
    for i in rng.sample(range(len(items)), len(items)):
        if lose <= 0:
            break
        take = min(lose, items[i]["max"] - 1)
        if take > 0:
            scores[items[i]["code"]] = {"score": str(items[i]["max"] - take), "note": rng.choice(notes), "photo": ""}
            lose -= take
    return scores


def _assessments(month: date, lines, scheme, rng: random.Random, skip: set) -> None:
    rows = []
    confirmed_at = datetime.combine(add_months(month, 1) + timedelta(days=4), time(10), tzinfo=clock.SHANGHAI)
    for line in lines:
        if line.provider_id is None or (line.compound_id, line.provider_id) in skip:
            continue
        scores = _scores(rng)
        got = sum(int(v["score"]) for v in scores.values())
        rows.append(Assessment(compound_id=line.compound_id, provider_id=line.provider_id, month=month,
                               scheme_id=scheme.id, item_scores=scores, inspection_e4=e4(got),
                               composite_e4=e4(got), kpi_note="本月公共区域工单不足5件，综合得分仅计检查得分",
                               state="published", confirmed_at=confirmed_at))
    db.session.add_all(rows)
    db.session.flush()


def _corrected_month(month: date, line) -> None:
    """78.50 first (the 90% tier), corrected to 86.00: a reversal and a new accrual."""
    a = assess.start(line.compound_id, line.provider_id, month)
    scores = _scores(random.Random("jiceng-property-correction"), 79)
    items = [i for c in default_checklist() for i in c["items"]]
    full = next(i for i in items if i["max"] >= 2 and scores[i["code"]]["score"] == str(i["max"]))
    scores[full["code"]] = {"score": f"{full['max'] - 0.5:.2f}", "note": "服务内容公示不全", "photo": ""}
    a.item_scores = scores
    db.session.flush()
    assess.submit(a)
    assess.confirm(a)  # 78.50 → 90%
    fixed = assess.correct(a, "复核发现第二季度整改材料漏计，检查得分更正为86.00分")
    fixed.item_scores = _scores(random.Random("jiceng-property-correction-2"), 86)
    db.session.flush()
    assess.submit(fixed)
    assess.confirm(fixed)  # → reversal of the 90% line and a new 100% line


def _rounding_example(month: date, scheme, line) -> None:
    """A composite of 79.995 (0.7 × 80.85 + 0.3 × 78.00) rounds to 80.00 and takes the 80 tier."""
    db.session.add(Assessment(compound_id=line.compound_id, provider_id=line.provider_id, month=month,
                              scheme_id=scheme.id, item_scores=_scores(random.Random("jiceng-79995"), 81),
                              inspection_e4=e4("80.85"), ticket_kpi_e4=e4("78.00"), ticket_sample=12,
                              composite_e4=e4("79.995"), state="published"))
    db.session.flush()


def _close_old(month: date, n: int, pay: bool = True) -> None:
    """Review and approve the month's live accruals, and (``pay``) disburse them."""
    at = datetime.combine(add_months(month, 1) + timedelta(days=9), time(15), tzinfo=clock.SHANGHAI)
    reversed_ids = select(SubsidyEntry.reverses_entry_id).where(SubsidyEntry.reverses_entry_id.is_not(None))
    for e in list(db.session.scalars(select(SubsidyEntry).where(
            SubsidyEntry.month == month, SubsidyEntry.kind == "accrual", SubsidyEntry.amount_fen != 0,
            SubsidyEntry.id.not_in(reversed_ids)).order_by(SubsidyEntry.id))):
        db.session.add_all([SubsidyStep(entry_id=e.id, step="community_reviewed", at=at, note="演示数据"),
                            SubsidyStep(entry_id=e.id, step="street_approved", at=at, note="演示数据")])
        db.session.flush()
        if pay:
            subsidy.disburse(e, f"CZ{month:%Y%m}-{n:02d}{e.compound_id:05d}")


def _meetings(window_end: date, rng: random.Random) -> None:
    communities = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.path)))
    for c in communities:
        compounds = list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "compound",
                                                                     OrgUnit.parent_id == c.id)))[:3]
        monthly = c.name == "河西社区"
        months = [add_months(window_end, -i) for i in (range(5, -1, -1) if monthly else (11, 8, 5, 2))]
        for k, month in enumerate(months):
            at = datetime.combine(month.replace(day=min(12 + k, 28)), time(15), tzinfo=clock.SHANGHAI)
            m = meetings.schedule({"community_id": c.id, "scheduled_at": at, "location": f"{c.name}党群服务中心",
                                   "topic": "小区物业服务问题会商", "compound_ids": compounds,
                                   "agenda": "一、通报上月物业考核和报修办理情况\n二、研究居民反映集中的问题"})
            absent = "owners_committee" if rng.random() < 0.2 else None
            meetings.record(m, {"present": [code for code, _l in meetings.parties() if code != absent],
                                "names": {"party_org": "社区书记", "property_company": "项目经理"},
                                "minutes": "四方就楼道堆物清理、消防通道占用、路灯维修等问题逐项会商，明确责任方和期限。"})
            last = k == len(months) - 1
            resolutions = (("清理楼道堆物，打通消防通道", "grid_event" if last else "task", "物业服务企业"),
                           ("增设电动车集中充电桩", "co_building" if last else "task", "社区居委会"))
            for j, (text, kind, owner) in enumerate(resolutions):
                a = meetings.add_action(m, {"text": text, "kind": kind, "owner": owner,
                                            "due_on": month + timedelta(days=40)})
                if not last and not (k == len(months) - 2 and j == 1):  # one stays open: the next agenda carries it
                    meetings.close_action(a, "已按期办结")
            if not last:
                meetings.approve(m)


def fill(tenant, window_end: date) -> int:
    if tenant.kind != "street" or db.session.scalar(select(func.count()).select_from(SubsidyEntry)):
        return 0
    if not db.session.scalar(select(func.count()).select_from(CoveragePeriod)):
        return 0
    index, n = _position(tenant)
    rng = random.Random(f"jiceng-property-money-{tenant.slug}")
    months = window(window_end)
    households = fallback_households(share(DISTRICT_HOUSEHOLDS, index, n))
    scheme = assess.default_scheme()
    subsidy.add_standard({"mode": "fallback", "provider_kind": "", "basis": "per_household_month",
                          "rate_fen": RATE_FEN, "effective_from": add_months(months[0], -12),
                          "note": "兜底物业补贴：每户每月10元"})
    for k, month in enumerate(months):
        subsidy.post_budget(month, RATE_FEN * households, "兜底保障物业全覆盖月度预算")
        lines = [ln for ln in subsidy.compute(month) if ln.provider_id is not None]
        special = set()
        if index == 0 and k == 6 and lines:
            special.add((lines[0].compound_id, lines[0].provider_id))
        if index == 0 and k == len(months) - 1 and len(lines) > 1:
            _rounding_example(month, scheme, lines[1])
            special.add((lines[1].compound_id, lines[1].provider_id))
        _assessments(month, lines, scheme, rng, special)
        if index == 0 and k == 6 and lines:
            _corrected_month(month, lines[0])
        subsidy.run_month(month)
        # months before the two open ones are reviewed and approved; the last half-year of them is also
        # paid out (each paid line is a voucher of its own, and the demo loads in many test modules)
        if k < len(months) - 2:
            _close_old(month, k, pay=k >= len(months) - 8)
    _meetings(window_end, rng)
    db.session.flush()
    return len(months)


__all__ = ["fill", "ledger"]
