"""The monthly subsidy run: which compounds and providers are paid for a month, how much, and the
review → approval → disbursement of each line (spec §3.3, §4 "Subsidy computation").

A line is computed from the coverage periods of the month (fallback mode; a setting extends it to
other modes, 以奖代补), the standard in force, and the month's confirmed assessment; it is posted
once (``ledger.post``) and corrected only by a reversal plus a new line."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import api
from core.api import OrgUnit, Refused, current, db

from ..models.assessment import Assessment, AssessmentScheme
from ..models.registry import CompoundProfile, CoveragePeriod, PropertyCompany
from ..models.subsidy import SubsidyEntry, SubsidyStandard, SubsidyStep
from . import ledger
from .money import amount_fen, base_fen, days_in, month_end, month_start, overlap_days, round_score, rounding_code, \
    tier_for

NO_SERVICE = "无有效服务"


def subsidised_modes() -> tuple[str, ...]:
    try:
        extra = api.settings("property").get("subsidy_modes") or ""
    except Exception:  # noqa: BLE001 - outside a tenant's settings (CLI before a context) the default applies
        extra = ""
    return ("fallback", *[m.strip() for m in str(extra).split(",") if m.strip() and m.strip() != "fallback"])


def standard_for(mode: str, provider_kind: str, day: date) -> SubsidyStandard | None:
    rows = db.session.scalars(select(SubsidyStandard).where(
        SubsidyStandard.mode == mode, SubsidyStandard.provider_kind.in_((provider_kind or "", "")),
        SubsidyStandard.effective_from <= day).order_by(SubsidyStandard.effective_from.desc(), SubsidyStandard.id.desc()))
    rows = list(rows)
    exact = [s for s in rows if s.provider_kind == provider_kind]
    return (exact or rows or [None])[0]


def add_standard(data: dict) -> SubsidyStandard:
    if data["rate_fen"] < 0:
        raise Refused(_("补贴标准不能为负"))
    s = SubsidyStandard(mode=data.get("mode", "fallback"), provider_kind=data.get("provider_kind", ""),
                        basis=data["basis"], rate_fen=data["rate_fen"], effective_from=data["effective_from"],
                        note=data.get("note", ""), created_by=current().user_id)
    db.session.add(s)
    db.session.flush()
    return s


def confirmed_assessment(compound_id: int, provider_id: int, month: date) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(
        Assessment.compound_id == compound_id, Assessment.provider_id == provider_id, Assessment.month == month,
        Assessment.state.in_(("confirmed", "published"))).order_by(Assessment.version.desc()).limit(1))


@dataclass
class Line:
    compound_id: int
    provider_id: int | None
    month: date
    period_id: int | None = None
    standard: SubsidyStandard | None = None
    basis: str = ""
    rate_fen: int = 0
    households: int = 0
    area_m2: int = 0
    covered_days: int = 0
    days_in_month: int = 0
    base_fen: int = 0
    assessment: Assessment | None = None
    score_raw: int | None = None
    score: int | None = None
    rounding: str = ""
    tier_ratio: int = 10000
    amount_fen: int = 0
    reason: str = ""
    flagged: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return self.households if self.basis == "per_household_month" else self.area_m2

    @property
    def key(self) -> str:
        return f"accrual:{self.compound_id}:{self.provider_id or 0}:{self.month:%Y-%m}"

    def values(self) -> dict:
        return {"month": self.month, "kind": "accrual", "compound_id": self.compound_id,
                "provider_id": self.provider_id, "coverage_period_id": self.period_id,
                "standard_id": self.standard.id if self.standard else None, "basis": self.basis,
                "rate_fen": self.rate_fen, "households": self.households, "area_m2": self.area_m2,
                "covered_days": self.covered_days, "days_in_month": self.days_in_month, "base_fen": self.base_fen,
                "assessment_id": self.assessment.id if self.assessment else None, "score_raw": self.score_raw,
                "score": self.score, "rounding": self.rounding, "tier_ratio": self.tier_ratio,
                "amount_fen": self.amount_fen, "reason": self.reason, "flagged": self.flagged}


def _periods(month: date, compound_id: int | None = None) -> list[CoveragePeriod]:
    stmt = select(CoveragePeriod).where(CoveragePeriod.starts_on <= month_end(month),
                                        (CoveragePeriod.ends_on.is_(None)) | (CoveragePeriod.ends_on >= month))
    if compound_id is not None:
        stmt = stmt.where(CoveragePeriod.compound_id == compound_id)
    return list(db.session.scalars(stmt.order_by(CoveragePeriod.compound_id, CoveragePeriod.starts_on)))


def compute(month: date, compound_id: int | None = None, provider_id: int | None = None) -> list[Line]:
    """The preview of a month: one line per compound and provider of a subsidised period (each for its
    own days), and a zero line "无有效服务" for a compound with no coverage at all in the month."""
    month = month_start(month)
    modes = subsidised_modes()
    dim = days_in(month)
    kinds = dict(db.session.execute(select(PropertyCompany.id, PropertyCompany.kind)).all())
    profiles = {p.compound_id: p for p in db.session.scalars(select(CompoundProfile))}
    grouped: dict[tuple[int, int | None], list[CoveragePeriod]] = {}
    covered: set[int] = set()
    for p in _periods(month, compound_id):
        covered.add(p.compound_id)
        if p.mode in modes:
            grouped.setdefault((p.compound_id, p.provider_id), []).append(p)
    lines: list[Line] = []
    for (cid, pid), periods in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if provider_id is not None and pid != provider_id:
            continue
        line = Line(cid, pid, month, days_in_month=dim)
        last = periods[-1]
        line.period_id = last.id
        if pid is None:
            line.reason, line.problems = NO_SERVICE, [_("兜底服务期未指定物业企业")]
            lines.append(line)
            continue
        line.covered_days = sum(overlap_days(month, p.starts_on, p.ends_on) for p in periods)
        first_day = max(month, min(p.starts_on for p in periods))
        line.standard = standard_for(last.mode, kinds.get(pid, ""), first_day)
        profile = profiles.get(cid)
        line.households = last.households_covered or (profile.households if profile else 0)
        line.area_m2 = profile.area_m2 if profile else 0
        if line.standard is None:
            line.problems.append(_("没有适用的补贴标准"))
        else:
            line.basis, line.rate_fen = line.standard.basis, line.standard.rate_fen
            line.base_fen = base_fen(line.rate_fen, line.quantity, line.covered_days, dim)
        line.assessment = confirmed_assessment(cid, pid, month)
        if line.assessment is None or line.assessment.composite_e4 is None:
            line.problems.append(_("本月考核未确认"))
        else:
            scheme = db.session.get(AssessmentScheme, line.assessment.scheme_id)
            line.score_raw = line.assessment.composite_e4
            line.score = round_score(line.score_raw, scheme.rounding)
            line.rounding = rounding_code(scheme.rounding)
            line.tier_ratio = tier_for(line.score, scheme.tiers)
            notice = int(scheme.card_rules.get("notice_below", 60)) * 100
            line.flagged = line.score < notice
        if not line.problems:
            line.amount_fen = amount_fen(line.rate_fen, line.quantity, line.covered_days, dim, line.tier_ratio)
        lines.append(line)
    if provider_id is None:
        compounds = select(OrgUnit.id).where(OrgUnit.kind == "compound")
        if compound_id is not None:
            compounds = compounds.where(OrgUnit.id == compound_id)
        for cid in db.session.scalars(compounds.order_by(OrgUnit.id)):
            if cid not in covered:
                lines.append(Line(cid, None, month, days_in_month=dim, reason=NO_SERVICE))
    return lines


def live_accrual(compound_id: int, provider_id: int | None, month: date) -> SubsidyEntry | None:
    reversed_ids = select(SubsidyEntry.reverses_entry_id).where(SubsidyEntry.reverses_entry_id.is_not(None))
    stmt = select(SubsidyEntry).where(SubsidyEntry.kind == "accrual", SubsidyEntry.compound_id == compound_id,
                                      SubsidyEntry.month == month_start(month), SubsidyEntry.id.not_in(reversed_ids))
    stmt = stmt.where(SubsidyEntry.provider_id.is_(None) if provider_id is None
                      else SubsidyEntry.provider_id == provider_id)
    return db.session.scalar(stmt.order_by(SubsidyEntry.id.desc()).limit(1))


def _voucher(line: Line, version: int) -> str:
    return f"BT-{line.month:%Y%m}-{line.compound_id}-{line.provider_id or 0}-{version}"


def _require(permission: str, compound_id: int | None) -> None:
    unit = api.org_unit(compound_id) if compound_id else None
    ok = api.can(permission, unit) if unit is not None else api.has(permission)
    if current().user_id is not None and not ok:
        raise Refused(_("您没有处理这个小区补贴的权限"))


def post_line(line: Line, after_reversal: SubsidyEntry | None = None) -> SubsidyEntry:
    if line.problems and line.reason != NO_SERVICE:
        raise Refused(_("不能计提：%(p)s", p="；".join(line.problems)))
    _require("property.subsidy.compute", line.compound_id)
    values = line.values()
    if after_reversal is None:
        values["key"] = line.key
        version = 1
    else:
        values["key"] = f"{line.key}:r{after_reversal.id}"
        version = 1 + db.session.scalar(select(func.count()).select_from(SubsidyEntry).where(
            SubsidyEntry.kind == "reversal", SubsidyEntry.reversed_kind == "accrual",
            SubsidyEntry.compound_id == line.compound_id, SubsidyEntry.month == line.month,
            SubsidyEntry.provider_id.is_(None) if line.provider_id is None
            else SubsidyEntry.provider_id == line.provider_id))
    values["voucher_no"] = _voucher(line, version)
    return ledger.post(values)


def accrue(compound_id: int, provider_id: int | None, month: date) -> SubsidyEntry:
    """Post the month's line for one compound and provider (refused if it is already posted)."""
    if live_accrual(compound_id, provider_id, month) is not None:
        raise Refused(_("该小区本月补贴已计提；如需更正请冲销后重算"))
    lines = [ln for ln in compute(month, compound_id) if ln.provider_id == provider_id]
    if not lines:
        raise Refused(_("该小区本月没有兜底服务期"))
    return post_line(lines[0])


def run_month(month: date) -> dict:
    """Post every computable line of the month that is not posted yet; the rest are reported."""
    posted, skipped, waiting = [], 0, []
    for line in compute(month):
        if live_accrual(line.compound_id, line.provider_id, line.month) is not None:
            skipped += 1
        elif line.problems and line.reason != NO_SERVICE:
            waiting.append(line)
        else:
            posted.append(post_line(line))
    return {"posted": posted, "skipped": skipped, "waiting": waiting}


def correct(entry: SubsidyEntry, reason: str) -> tuple[SubsidyEntry, SubsidyEntry | None]:
    """A reversal of exactly this line plus, for an accrual or a budget, the line as it stands now."""
    _require("property.subsidy.compute", entry.compound_id)
    if entry.kind == "accrual":
        lines = [ln for ln in compute(entry.month, entry.compound_id) if ln.provider_id == entry.provider_id]
        if not lines or (lines[0].problems and lines[0].reason != NO_SERVICE):
            raise Refused(_("无法重算：%(p)s", p="；".join(lines[0].problems) if lines else NO_SERVICE))
        rev = ledger.reverse(entry, reason)
        return rev, post_line(lines[0], after_reversal=rev)
    rev = ledger.reverse(entry, reason)
    return rev, None


def post_budget(month: date, amount: int, reason: str = "") -> SubsidyEntry:
    """The month's budget allocation (one line; a change is a reversal plus a new line)."""
    _require("property.subsidy.compute", None)
    month = month_start(month)
    live = db.session.scalar(select(SubsidyEntry).where(
        SubsidyEntry.kind == "budget", SubsidyEntry.month == month,
        SubsidyEntry.id.not_in(select(SubsidyEntry.reverses_entry_id).where(
            SubsidyEntry.reverses_entry_id.is_not(None)))).order_by(SubsidyEntry.id.desc()).limit(1))
    key = f"budget:{month:%Y-%m}"
    if live is not None:
        if live.amount_fen == amount:
            raise Refused(_("本月预算已入账，金额相同"))
        rev = ledger.reverse(live, reason or _("调整预算"))
        key = f"{key}:r{rev.id}"
    return ledger.post({"key": key, "month": month, "kind": "budget", "amount_fen": amount,
                        "reason": reason or _("兜底物业月度预算")})


def steps_of(entry_ids: list[int]) -> dict[int, dict[str, SubsidyStep]]:
    out: dict[int, dict[str, SubsidyStep]] = {}
    if entry_ids:
        for s in db.session.scalars(select(SubsidyStep).where(SubsidyStep.entry_id.in_(entry_ids))):
            out.setdefault(s.entry_id, {})[s.step] = s
    return out


def payable(entry: SubsidyEntry) -> int:
    """What is still to pay (or, below zero, to recover) for the line's compound, provider and month."""
    def total(kind):
        k = func.coalesce(SubsidyEntry.reversed_kind, SubsidyEntry.kind)
        stmt = select(func.coalesce(func.sum(SubsidyEntry.amount_fen), 0)).where(
            k == kind, SubsidyEntry.compound_id == entry.compound_id, SubsidyEntry.month == entry.month)
        stmt = stmt.where(SubsidyEntry.provider_id.is_(None) if entry.provider_id is None
                          else SubsidyEntry.provider_id == entry.provider_id)
        return int(db.session.scalar(stmt) or 0)
    return total("accrual") - total("disbursement")


def state_of(entry: SubsidyEntry, steps: dict[str, SubsidyStep] | None = None) -> str:
    if entry.kind != "accrual":
        return "posted"
    if ledger.is_reversed(entry.id):
        return "reversed"
    steps = steps if steps is not None else steps_of([entry.id]).get(entry.id, {})
    if "street_approved" in steps:
        return "disbursed" if payable(entry) == 0 and entry.amount_fen else "street_approved"
    return "community_reviewed" if "community_reviewed" in steps else "draft"


def _live(entry: SubsidyEntry) -> None:
    if entry.kind != "accrual" or ledger.is_reversed(entry.id):
        raise Refused(_("只能审核有效的计提分录"))


def review(entry: SubsidyEntry, note: str = "") -> SubsidyStep:
    _live(entry)
    _require("property.subsidy.review", entry.compound_id)
    if state_of(entry) != "draft":
        raise Refused(_("该笔补贴已审核"))
    return _step(entry, "community_reviewed", note)


def approve(entry: SubsidyEntry, note: str = "") -> SubsidyStep:
    _live(entry)
    _require("property.subsidy.approve", entry.compound_id)
    steps = steps_of([entry.id]).get(entry.id, {})
    if "community_reviewed" not in steps:
        raise Refused(_("须先经社区审核"))
    if "street_approved" in steps:
        raise Refused(_("该笔补贴已审批"))
    if steps["community_reviewed"].user_id == current().user_id:
        raise Refused(_("审批人不能与社区审核人为同一人"))
    if entry.assessment_id is not None:
        a = db.session.get(Assessment, entry.assessment_id)
        if a is None or a.state not in ("confirmed", "published"):
            raise Refused(_("本月考核结果未确认，不能审批"))
    return _step(entry, "street_approved", note)


def _step(entry: SubsidyEntry, step: str, note: str) -> SubsidyStep:
    from sqlalchemy.exc import IntegrityError
    row = SubsidyStep(entry_id=entry.id, step=step, user_id=current().user_id, note=(note or "")[:200],
                      at=api.clock.utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Refused(_("该笔补贴已处理")) from None
    return row


def disburse(entry: SubsidyEntry, voucher_no: str) -> SubsidyEntry:
    """A disbursement line for what is payable on the line's compound-month (a negative one is 追回)."""
    _live(entry)
    _require("property.subsidy.disburse", entry.compound_id)
    if not (voucher_no or "").strip():
        raise Refused(_("拨付须填写凭证号"))
    if "street_approved" not in steps_of([entry.id]).get(entry.id, {}):
        raise Refused(_("须经街道审批后才能拨付"))
    amount = payable(entry)
    if amount == 0:
        raise Refused(_("该笔补贴已足额拨付"))
    n = db.session.scalar(select(func.count()).select_from(SubsidyEntry).where(
        SubsidyEntry.kind == "disbursement", SubsidyEntry.compound_id == entry.compound_id,
        SubsidyEntry.month == entry.month))
    return ledger.post({"key": f"disbursement:{entry.compound_id}:{entry.provider_id or 0}:{entry.month:%Y-%m}:{n}",
                        "month": entry.month, "kind": "disbursement", "compound_id": entry.compound_id,
                        "provider_id": entry.provider_id, "amount_fen": amount, "voucher_no": voucher_no.strip()[:40],
                        "approved_by": steps_of([entry.id])[entry.id]["street_approved"].user_id,
                        "reason": _("拨付") if amount > 0 else _("追回")})
