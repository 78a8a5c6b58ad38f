"""Monthly assessment (物业考核): the checklist scored item by item, submit → confirm (by another
person) → publish, a correction as a new version; the composite feeds the subsidy tier (spec §3.3, §4).

composite = 0.7 × inspection + 0.3 × ticket KPI; with fewer than ``min_ticket_sample`` public-area
tickets in the month the composite is the inspection score alone, and the assessment says so."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from core import api
from core.api import Refused, clock, current, db

from ..models.assessment import Assessment, AssessmentScheme
from .money import add_months, e4, month_start, round_score
from .scheme_template import DEFAULT_CARD_RULES, DEFAULT_ROUNDING, DEFAULT_TIERS, DEFAULT_WEIGHTS, default_checklist

STATE_LABELS = {"draft": _l("草稿"), "submitted": _l("已提交"), "confirmed": _l("已确认"), "published": _l("已公示"),
                "superseded": _l("已更正")}
CARD_LABELS = {"none": _l("无"), "yellow": _l("黄牌"), "red": _l("红牌（约谈）")}


def default_scheme() -> AssessmentScheme:
    """The tenant's newest scheme; the default template (8 categories, 39 items, 100 points) on first use."""
    scheme = db.session.scalar(select(AssessmentScheme).order_by(AssessmentScheme.version.desc()).limit(1))
    if scheme is None:
        scheme = AssessmentScheme(version=1, name=_("住宅小区物业服务考核（默认模板）"), checklist=default_checklist(),
                                  weights=dict(DEFAULT_WEIGHTS), rounding=dict(DEFAULT_ROUNDING),
                                  tiers=[list(t) for t in DEFAULT_TIERS], min_ticket_sample=5,
                                  card_rules=dict(DEFAULT_CARD_RULES))
        db.session.add(scheme)
        db.session.flush()
    return scheme


def items(scheme: AssessmentScheme) -> dict[str, dict]:
    return {i["code"]: {**i, "category": c["name"]} for c in scheme.checklist for i in c["items"]}


def total_points(scheme: AssessmentScheme) -> Decimal:
    return sum((Decimal(str(i["max"])) for i in items(scheme).values()), Decimal(0))


def change_scheme(scheme: AssessmentScheme, data: dict) -> AssessmentScheme:
    """Edit a scheme no assessment has used yet; a used one is immutable (write a new version)."""
    if scheme.locked_at is not None or db.session.scalar(
            select(Assessment.id).where(Assessment.scheme_id == scheme.id).limit(1)) is not None:
        raise Refused(_("考核方案已被使用，不能修改；请另建新版本"))
    for k in ("name", "checklist", "weights", "rounding", "tiers", "min_ticket_sample", "card_rules"):
        if k in data:
            setattr(scheme, k, data[k])
    db.session.flush()
    return scheme


def new_version(scheme: AssessmentScheme, **changes) -> AssessmentScheme:
    newest = db.session.scalar(select(AssessmentScheme.version).order_by(AssessmentScheme.version.desc()).limit(1))
    copy = AssessmentScheme(version=(newest or 0) + 1, name=changes.get("name", scheme.name),
                            checklist=changes.get("checklist", scheme.checklist),
                            weights=changes.get("weights", scheme.weights),
                            rounding=changes.get("rounding", scheme.rounding), tiers=changes.get("tiers", scheme.tiers),
                            min_ticket_sample=changes.get("min_ticket_sample", scheme.min_ticket_sample),
                            card_rules=changes.get("card_rules", scheme.card_rules))
    db.session.add(copy)
    db.session.flush()
    return copy


def _require(permission: str, compound_id: int) -> None:
    unit = api.org_unit(compound_id)
    if unit is None:
        raise Refused(_("没有这个小区"))
    if current().user_id is not None and not api.can(permission, unit):
        raise Refused(_("您没有考核这个小区的权限"))


def current_of(compound_id: int, provider_id: int, month: date) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(
        Assessment.compound_id == compound_id, Assessment.provider_id == provider_id,
        Assessment.month == month_start(month), Assessment.state != "superseded")
        .order_by(Assessment.version.desc()).limit(1))


def start(compound_id: int, provider_id: int, month: date, panel: list[int] | None = None) -> Assessment:
    _require("property.assessment.score", compound_id)
    if current_of(compound_id, provider_id, month) is not None:
        raise Refused(_("该小区本月已有考核"))
    scheme = default_scheme()
    a = Assessment(compound_id=compound_id, provider_id=provider_id, month=month_start(month), scheme_id=scheme.id,
                   panel_member_ids=list(panel or [current().user_id] if current().user_id else []))
    db.session.add(a)
    _lock_scheme(scheme)
    db.session.flush()
    return a


def _lock_scheme(scheme: AssessmentScheme) -> None:
    if scheme.locked_at is None:
        scheme.locked_at = clock.utcnow()


def score_item(a: Assessment, code: str, score: str, note: str = "", photo: str = "") -> Assessment:
    """Autosave one item (the running total is recomputed)."""
    _require("property.assessment.score", a.compound_id)
    if a.state != "draft":
        raise Refused(_("考核已提交，不能再修改打分"))
    scheme = db.session.get(AssessmentScheme, a.scheme_id)
    item = items(scheme).get(code)
    if item is None:
        raise Refused(_("没有这个考核项目"))
    try:
        value = Decimal(str(score))
    except Exception:  # noqa: BLE001 - any unparsable text
        raise Refused(_("得分须为数字")) from None
    if value < 0 or value > Decimal(str(item["max"])) or value != value.quantize(Decimal("0.01")):
        raise Refused(_("得分须在 0 到 %(m)s 之间，最多两位小数", m=item["max"]))
    scores = dict(a.item_scores or {})
    scores[code] = {"score": str(value), "note": (note or "")[:200], "photo": (photo or "")[:200]}
    a.item_scores = scores
    a.inspection_e4 = inspection_e4(a, scheme)
    db.session.flush()
    return a


def inspection_e4(a: Assessment, scheme: AssessmentScheme) -> int:
    got = sum((Decimal(v["score"]) for v in (a.item_scores or {}).values()), Decimal(0))
    return e4(got * 100 / total_points(scheme))


def ticket_kpi(a: Assessment, scheme: AssessmentScheme) -> tuple[int | None, int, str]:
    """(KPI e4 or None, sample, note) from the month's public-area tickets of this compound and provider."""
    from .. import models
    ticket = getattr(models, "Ticket", None)
    start_at, end_at = a.month, add_months(a.month, 1)
    rows = [] if ticket is None else [t for t in db.session.scalars(select(ticket).where(
        ticket.compound_id == a.compound_id, ticket.provider_id == a.provider_id, ticket.area == "public"))
        if _in_month(getattr(t, "created_at", None), start_at, end_at)
        and getattr(t, "close_reason", None) != "withdrawn"]
    n = len(rows)
    if n < scheme.min_ticket_sample:
        return None, n, _("本月公共区域工单 %(n)s 件，不足 %(m)s 件，综合得分仅计检查得分", n=n, m=scheme.min_ticket_sample)
    w = {k: Decimal(str(v)) for k, v in scheme.weights.items()}
    on_time = sum(1 for t in rows if _on_time(t))
    satisfied = sum(1 for t in rows if getattr(t, "rating", None) == "good")
    escalated = sum(1 for t in rows if getattr(t, "sent_to_community_at", None) is not None)
    kpi = 100 * (w.get("on_time", Decimal("0.4")) * on_time / n + w.get("satisfaction", Decimal("0.3")) * satisfied / n
                 + w.get("not_escalated", Decimal("0.3")) * (1 - Decimal(escalated) / n))
    return e4(kpi), n, ""


def _in_month(at, start_at: date, end_at: date) -> bool:
    if at is None:
        return False
    day = clock.aware(at).astimezone(clock.SHANGHAI).date() if hasattr(at, "tzinfo") else at
    return start_at <= day < end_at


def _on_time(t) -> bool:
    due, done = getattr(t, "complete_due", None), getattr(t, "completed_at", None)
    return due is not None and done is not None and clock.aware(done) <= clock.aware(due)


def submit(a: Assessment) -> Assessment:
    _require("property.assessment.score", a.compound_id)
    if a.state != "draft":
        raise Refused(_("考核已提交"))
    scheme = db.session.get(AssessmentScheme, a.scheme_id)
    missing = [c for c in items(scheme) if c not in (a.item_scores or {})]
    if missing:
        raise Refused(_("还有 %(n)s 个项目未打分：%(c)s", n=len(missing), c="、".join(missing[:5])))
    bare = [c for c, v in a.item_scores.items()
            if Decimal(v["score"]) < Decimal(str(items(scheme)[c]["max"])) and not (v.get("note") or v.get("photo"))]
    if bare:
        raise Refused(_("扣分项须附照片或说明：%(c)s", c="、".join(bare[:5])))
    a.inspection_e4 = inspection_e4(a, scheme)
    a.ticket_kpi_e4, a.ticket_sample, a.kpi_note = ticket_kpi(a, scheme)
    a.state, a.submitted_by = "submitted", current().user_id
    db.session.flush()
    return a


def composite_e4(a: Assessment, scheme: AssessmentScheme) -> int:
    if a.ticket_kpi_e4 is None:
        return a.inspection_e4
    w_i = Decimal(str(scheme.weights.get("inspection", "0.7")))
    w_k = Decimal(str(scheme.weights.get("ticket_kpi", "0.3")))
    return e4((w_i * a.inspection_e4 + w_k * a.ticket_kpi_e4) / 10000)


def card_for(a: Assessment, scheme: AssessmentScheme) -> str:
    rules = scheme.card_rules or DEFAULT_CARD_RULES
    if round_score(a.composite_e4, scheme.rounding) >= int(rules.get("yellow_below", 60)) * 100:
        return "none"
    since = add_months(a.month, -int(rules.get("red_window_months", 12)) + 1)
    earlier = db.session.scalar(select(db.func.count()).select_from(Assessment).where(
        Assessment.compound_id == a.compound_id, Assessment.provider_id == a.provider_id,
        Assessment.month >= since, Assessment.month < a.month, Assessment.card.in_(("yellow", "red")),
        Assessment.state.in_(("confirmed", "published"))))
    return "red" if earlier + 1 >= int(rules.get("red_yellows", 3)) else "yellow"


def confirm(a: Assessment) -> Assessment:
    """The street confirms (not the member who submitted): composite, card, then the subsidy line
    (a first accrual, or a reversal plus a new accrual when it corrects a confirmed month)."""
    from . import subsidy
    _require("property.assessment.confirm", a.compound_id)
    if a.state != "submitted":
        raise Refused(_("只有已提交的考核可以确认"))
    if a.submitted_by is not None and a.submitted_by == current().user_id:
        raise Refused(_("确认人不能与提交人为同一人"))
    scheme = db.session.get(AssessmentScheme, a.scheme_id)
    old = db.session.get(Assessment, a.supersedes_id) if a.supersedes_id else None
    if old is not None:
        old.state = "superseded"
        db.session.flush()
    a.composite_e4 = composite_e4(a, scheme)
    a.card = card_for(a, scheme)
    a.state, a.confirmed_by, a.confirmed_at = "confirmed", current().user_id, clock.utcnow()
    db.session.flush()
    if any(ln.provider_id == a.provider_id for ln in subsidy.compute(a.month, a.compound_id)):
        live = subsidy.live_accrual(a.compound_id, a.provider_id, a.month)
        if live is None:
            subsidy.accrue(a.compound_id, a.provider_id, a.month)
        elif live.assessment_id != a.id:
            subsidy.correct(live, a.correction_reason or _("考核结果更正，重新核算补贴"))
    return a


def publish(a: Assessment) -> Assessment:
    _require("property.assessment.confirm", a.compound_id)
    if a.state != "confirmed":
        raise Refused(_("只有已确认的考核可以公示"))
    a.state = "published"
    db.session.flush()
    return a


def correct(a: Assessment, reason: str) -> Assessment:
    """A new draft version of a confirmed or published assessment; confirming it supersedes this one."""
    _require("property.assessment.score", a.compound_id)
    if a.state not in ("confirmed", "published"):
        raise Refused(_("只有已确认或已公示的考核可以更正"))
    if not (reason or "").strip():
        raise Refused(_("更正须填写原因"))
    if db.session.scalar(select(Assessment.id).where(Assessment.supersedes_id == a.id)) is not None:
        raise Refused(_("该考核已有更正版本"))
    new = Assessment(compound_id=a.compound_id, provider_id=a.provider_id, month=a.month, scheme_id=a.scheme_id,
                     version=a.version + 1, panel_member_ids=list(a.panel_member_ids or []),
                     item_scores=dict(a.item_scores or {}), photos=list(a.photos or []),
                     inspection_e4=a.inspection_e4, supersedes_id=a.id, correction_reason=reason.strip()[:500])
    db.session.add(new)
    db.session.flush()
    return new
