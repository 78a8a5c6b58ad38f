"""Coverage periods (never overlapping), the coverage of a compound on a day, gaps and hand-over plans,
and the daily watch: a gap opens (red, ``property.coverage_gap_opened``), periods and committee terms
near their end are announced (spec §4)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from core import api
from core.api import db, emit, lock_for_update, OrgUnit, Refused

from ..events import CoverageGapOpened
from ..models import CompoundProfile, CoverageGap, CoveragePeriod, GovernanceBody, PropertyCompany
from ..models.registry import FALLBACK_KINDS
from . import registry
from .scope import today

EXPIRY_MARKS = (90, 60, 30)


def counted_modes() -> tuple[str, ...]:
    if api.settings("property")["coverage_counts_self_governed"]:
        return ("professional", "fallback", "self_governed")
    return ("professional", "fallback")


def periods_of(compound_id: int) -> list[CoveragePeriod]:
    return list(db.session.scalars(select(CoveragePeriod).where(CoveragePeriod.compound_id == compound_id)
                                   .order_by(CoveragePeriod.starts_on.desc())))


def _spans(on: date):
    return and_(CoveragePeriod.starts_on <= on, or_(CoveragePeriod.ends_on.is_(None), CoveragePeriod.ends_on >= on))


def period_on(compound_id: int, on: date) -> CoveragePeriod | None:
    return db.session.scalar(select(CoveragePeriod).where(CoveragePeriod.compound_id == compound_id, _spans(on)))


def current_periods(on: date | None = None) -> dict[int, CoveragePeriod]:
    """Every compound's period on ``on`` (default today), by compound id."""
    on = on or today()
    return {p.compound_id: p for p in db.session.scalars(select(CoveragePeriod).where(_spans(on)))}


def add_period(compound: OrgUnit, data: dict) -> CoveragePeriod:
    """Record a period; refused when it overlaps another of the compound's periods.

    The compound's profile row is locked first (on SQLite the write transaction already holds the
    database's write lock), so two writers checking at once are serialised; PostgreSQL's exclusion
    constraint refuses an overlap even if a writer bypassed this function."""
    if compound.kind != "compound":
        raise Refused(_("只能为小区登记物业服务期"))
    provider = None
    if data.get("provider_id"):
        provider = db.session.get(PropertyCompany, data["provider_id"])
        if provider is None or provider.status != "active":
            raise Refused(_("请选择物业企业"))
    if data["mode"] == "fallback" and provider is not None and provider.kind not in FALLBACK_KINDS:
        raise Refused(_("兜底服务须由国企托底、公益物业或社区准物业承担"))
    registry.profile_of(compound, create=True)
    db.session.execute(lock_for_update(select(CompoundProfile.id).where(CompoundProfile.compound_id == compound.id)))
    ends = data.get("ends_on")
    clash = db.session.scalar(select(CoveragePeriod).where(
        CoveragePeriod.compound_id == compound.id,
        or_(CoveragePeriod.ends_on.is_(None), CoveragePeriod.ends_on >= data["starts_on"]),
        *(() if ends is None else (CoveragePeriod.starts_on <= ends,))))
    if clash is not None:
        raise Refused(_("与已登记的服务期（%(start)s 至 %(end)s）重叠", start=clash.starts_on.isoformat(),
                        end=clash.ends_on.isoformat() if clash.ends_on else _("长期")))
    row = CoveragePeriod(compound_id=compound.id, created_by=api.current().user_id, **data)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as err:  # PostgreSQL's exclusion constraint: a writer that did not take the lock
        raise Refused(_("与已登记的服务期重叠")) from err
    _close_gap(compound.id, row)
    api.audit.record("property.coverage.add", "property__coverage_period", row.id, compound_id=compound.id,
                     mode=row.mode)
    return row


def end_period(period: CoveragePeriod, ends_on: date) -> CoveragePeriod:
    if ends_on < period.starts_on:
        raise Refused(_("结束日期不能早于开始日期"))
    if period.ends_on is not None and ends_on > period.ends_on:
        raise Refused(_("只能提前结束服务期；延长请登记新的服务期"))
    period.ends_on = ends_on
    db.session.flush()
    return period


def handover(compound: OrgUnit, data: dict) -> CoveragePeriod:
    """A hand-over plan: a fallback provider whose period starts the day after the last period ends
    (so the gap closes from its first day)."""
    provider = db.session.get(PropertyCompany, data["provider_id"])
    if provider is None or provider.kind not in FALLBACK_KINDS:
        raise Refused(_("交接方案须指定兜底物业企业（国企托底、公益物业或社区准物业）"))
    last = next(iter(periods_of(compound.id)), None)
    if last is not None and last.ends_on is None:
        raise Refused(_("该小区的服务期没有结束日期，无需交接"))
    starts = last.ends_on + timedelta(days=1) if last is not None else today()
    profile = registry.profile_of(compound)
    households = data.get("households_covered") or (last.households_covered if last else 0) or \
        (profile.households if profile else 0)
    return add_period(compound, {"mode": "fallback", "provider_id": provider.id, "starts_on": starts, "ends_on": None,
                                 "contract_no": data.get("contract_no", ""), "households_covered": households,
                                 "fee_standard": ""})


def _close_gap(compound_id: int, period: CoveragePeriod) -> None:
    if period.mode not in counted_modes():
        return
    for gap in db.session.scalars(select(CoverageGap).where(CoverageGap.compound_id == compound_id,
                                                            CoverageGap.closed_on.is_(None))):
        if period.starts_on <= max(gap.opened_on, today()):
            gap.closed_on = max(period.starts_on, gap.opened_on)
    db.session.flush()


def successor_of(period: CoveragePeriod) -> CoveragePeriod | None:
    if period.ends_on is None:
        return None
    return period_on(period.compound_id, period.ends_on + timedelta(days=1))


def watch(on: date | None = None) -> int:
    """Open gaps (once per gap) and send the expiry and term alerts due today; returns how many things it did."""
    on = on or today()
    done = 0
    counted = counted_modes()
    periods = current_periods(on)
    compounds = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "compound")))
    profiled = set(db.session.scalars(select(CompoundProfile.compound_id)))
    for compound in compounds:
        if compound.id not in profiled:
            continue
        period = periods.get(compound.id)
        open_gap = db.session.scalar(select(CoverageGap).where(CoverageGap.compound_id == compound.id,
                                                               CoverageGap.closed_on.is_(None)))
        covered = period is not None and period.mode in counted
        if not covered and open_gap is None:
            last = db.session.scalar(select(CoveragePeriod).where(CoveragePeriod.compound_id == compound.id,
                                                                  CoveragePeriod.ends_on < on)
                                     .order_by(CoveragePeriod.ends_on.desc()))
            opened = last.ends_on + timedelta(days=1) if last is not None else on
            db.session.add(CoverageGap(compound_id=compound.id, opened_on=opened))
            db.session.flush()
            emit(CoverageGapOpened(compound_id=compound.id, community_id=compound.parent_id or 0,
                                   opened_on=opened.isoformat(),
                                   last_provider_id=(last.provider_id or 0) if last else 0))
            _tell(compound, _("%(name)s 物业服务出现空档，请制定交接方案", name=compound.name))
            done += 1
        elif covered and open_gap is not None:
            open_gap.closed_on = on
            done += 1
        if period is not None and period.ends_on is not None and successor_of(period) is None:
            left = (period.ends_on - on).days
            for mark in EXPIRY_MARKS:
                if left <= mark and mark not in (period.alerts_sent or []):
                    period.alerts_sent = sorted({*(period.alerts_sent or []), *(m for m in EXPIRY_MARKS if m >= left)})
                    _tell(compound, _("%(name)s 物业服务期将于 %(day)s 到期，尚无接续", name=compound.name,
                                      day=period.ends_on.isoformat()))
                    done += 1
                    break
    for body in db.session.scalars(select(GovernanceBody).where(GovernanceBody.status == "active")):
        mark = registry.term_alert_due(body, on)
        if mark is not None:
            body.alerts_sent = sorted({*(body.alerts_sent or []), *(m for m in (60, 30) if m >= mark)})
            compound = api.org_unit(body.compound_id)
            _tell(compound, _("%(name)s 业委会（物管会）任期将于 %(day)s 届满，请督促换届", name=compound.name,
                              day=body.term_end.isoformat()))
            done += 1
    db.session.flush()
    return done


def _tell(compound: OrgUnit, title: str) -> None:
    community = api.org_unit(compound.parent_id) or compound
    users = api.users_holding("property.coverage.edit", community, inside=True) or \
        api.users_holding("property.coverage.edit", community)
    if users:
        api.notify(sorted(users), title, "property.compound", compound_id=compound.id)
