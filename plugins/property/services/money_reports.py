"""Subsidy reports: budget, accrued and disbursed per month, per compound and per provider (sums of the
posted, rounded lines), the review queue, the dashboard widget, and the rows of the XLSX exports."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.api import OrgUnit, db

from ..models import PropertyCompany
from ..models.subsidy import SubsidyEntry
from . import ledger
from .money import add_months, month_start, window, yuan
from .scope import today

KIND = func.coalesce(SubsidyEntry.reversed_kind, SubsidyEntry.kind)


def last_month() -> date:
    return add_months(month_start(today()), -1)


def ledger_end() -> date:
    """The newest month with a budget line (the demo window's end), else last month."""
    newest = db.session.scalar(select(func.max(SubsidyEntry.month)).where(SubsidyEntry.kind == "budget"))
    return newest or last_month()


def month_rows(n: int = 24, end: date | None = None) -> list[dict]:
    months = window(end or ledger_end(), n)
    totals = ledger.month_totals(months)
    return [{"month": m, **totals.get(m, {"budget": 0, "accrued": 0, "disbursed": 0})} for m in months]


def _grouped(column, n: int) -> list[dict]:
    months = window(ledger_end(), n)
    rows: dict = {}
    for key, kind, total in db.session.execute(select(column, KIND, func.sum(SubsidyEntry.amount_fen)).where(
            SubsidyEntry.month.in_(months), column.is_not(None)).group_by(column, KIND)):
        row = rows.setdefault(key, {"id": key, "accrued": 0, "disbursed": 0})
        if kind == "accrual":
            row["accrued"] += int(total or 0)
        elif kind == "disbursement":
            row["disbursed"] += int(total or 0)
    return sorted(rows.values(), key=lambda r: -r["accrued"])


def by_compound(n: int = 24) -> list[dict]:
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "compound")).all())
    return [{**r, "name": names.get(r["id"], "")} for r in _grouped(SubsidyEntry.compound_id, n)]


def by_provider(n: int = 24) -> list[dict]:
    names = dict(db.session.execute(select(PropertyCompany.id, PropertyCompany.name)).all())
    return [{**r, "name": names.get(r["id"], "")} for r in _grouped(SubsidyEntry.provider_id, n)]


def queue_rows(limit: int = 500) -> list[tuple[SubsidyEntry, str]]:
    """Live accruals waiting for community review, street approval or disbursement, oldest month first."""
    from .subsidy import state_of, steps_of
    reversed_ids = select(SubsidyEntry.reverses_entry_id).where(SubsidyEntry.reverses_entry_id.is_not(None))
    entries = list(db.session.scalars(select(SubsidyEntry).where(
        SubsidyEntry.kind == "accrual", SubsidyEntry.amount_fen != 0, SubsidyEntry.id.not_in(reversed_ids))
        .order_by(SubsidyEntry.month, SubsidyEntry.id).limit(5000)))
    steps = steps_of([e.id for e in entries])
    out = []
    for e in entries:
        state = state_of(e, steps.get(e.id, {}))
        if state in ("draft", "community_reviewed", "street_approved"):
            out.append((e, state))
        if len(out) >= limit:
            break
    return out


def widget_figures() -> dict:
    month = last_month()
    t = ledger.month_totals([month]).get(month, {"budget": 0, "accrued": 0, "disbursed": 0})
    return {"month": month, "totals": t, "pct": round(100.0 * t["accrued"] / t["budget"], 1) if t["budget"] else 0.0}


def stats_months(end: date | None = None, n: int = 24) -> list[dict]:
    return [{"month": f"{r['month']:%Y-%m}", "budget_fen": r["budget"], "accrual_fen": r["accrued"],
             "disbursed_fen": r["disbursed"]} for r in month_rows(n, end)]


def month_export_rows() -> list[list]:
    return [[f"{r['month']:%Y-%m}", yuan(r["budget"]), yuan(r["accrued"]), yuan(r["disbursed"]),
             yuan(r["budget"] - r["accrued"])] for r in month_rows(24)]


def entry_export_rows(limit: int = 100000) -> list[list]:
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "compound")).all())
    firms = dict(db.session.execute(select(PropertyCompany.id, PropertyCompany.name)).all())
    kinds = {"budget": "预算", "accrual": "计提", "reversal": "冲销", "disbursement": "拨付"}
    return [[e.id, f"{e.month:%Y-%m}", kinds.get(e.kind, e.kind), names.get(e.compound_id, ""),
             firms.get(e.provider_id, ""), e.households, e.covered_days, e.days_in_month, yuan(e.rate_fen),
             yuan(e.base_fen), "" if e.score is None else f"{e.score / 100:.2f}", f"{e.tier_ratio / 100:g}%",
             yuan(e.amount_fen), e.voucher_no, e.reason] for e in db.session.scalars(
        select(SubsidyEntry).order_by(SubsidyEntry.id).limit(limit))]


def compound_export_rows() -> list[list]:
    return [[r["name"], yuan(r["accrued"]), yuan(r["disbursed"])] for r in by_compound(24)]


def provider_export_rows() -> list[list]:
    return [[r["name"], yuan(r["accrued"]), yuan(r["disbursed"])] for r in by_provider(24)]


EXPORTS = {
    "months": ("补贴按月汇总", ["月份", "预算（元）", "计提（元）", "拨付（元）", "预算结余（元）"], month_export_rows),
    "compounds": ("补贴按小区汇总", ["小区", "计提（元）", "拨付（元）"], compound_export_rows),
    "providers": ("补贴按企业汇总", ["物业企业", "计提（元）", "拨付（元）"], provider_export_rows),
    "entries": ("补贴台账明细", ["分录", "月份", "类型", "小区", "物业企业", "户数", "服务天数", "当月天数", "标准（元）",
                           "基数（元）", "考核得分", "档位比例", "金额（元）", "凭证号", "说明"], entry_export_rows),
}
