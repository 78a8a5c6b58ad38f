"""合规 (studios × months with drill-down), the printable 台账, XLSX export, iCal feeds and the
dashboard widgets."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from flask import abort, make_response, render_template, url_for
from sqlalchemy import func, select

from core import api
from core.api import arg, audience, clock, current, db, parse_date, requires, see_other

from .. import ical
from ..models import Callback, Host, IcalToken, Issue, Reception, Representative, Booking, Studio, Visit
from ..schemas import CATEGORIES
from ..services import compliance as compliance_mod, issues as isvc
from .common import labels, require_on, studios as visible_studios

STATUS_LABELS = {"kept": "已接待", "kept_no_visitors": "已接待·无来访", "missed": "未接待", "at_risk": "有风险",
                 "pending": "待接待"}


def _window() -> tuple[date, date]:
    today = clock.local(clock.utcnow()).date()
    end = arg("to", parse_date) or today
    start = arg("from", parse_date) or (end.replace(day=1) - timedelta(days=150)).replace(day=1)
    return start, end


@requires("office_hours.reports")
def compliance():
    mine = visible_studios("office_hours.reports")
    start, end = _window()
    table = compliance_mod.table(mine, start, end, risk_day=api.settings("office_hours")["risk_day"])
    months = compliance_mod.months_between(start, end)
    return render_template("office_hours/compliance.html", studios=mine, table=table, months=months,
                           start=start, end=end, status_labels=STATUS_LABELS,
                           summary=compliance_mod.summary(mine, start, end), **labels())


@requires("office_hours.export")
def export():
    mine = visible_studios("office_hours.export")
    start, end = _window()
    rows = []
    for s in mine:
        for m in compliance_mod.table([s], start, end)[s.id]:
            rows.append([s.name, f"{m.year}-{m.month:02d}", m.held, m.zero, m.late, m.cancelled,
                         STATUS_LABELS[m.status]])
    api.audit.record("office_hours.export", "office_hours_studio", 0)
    db.session.commit()
    title = f"代表接待合规 {start:%Y%m}-{end:%Y%m}（{current().user_id} 导出）"
    return api.sheets.download("csv" if arg("format", str) == "csv" else "xlsx", title,
                               ["工作室", "月份", "接待场次", "无来访场次", "迟发布", "取消", "状态"], rows)


@requires("office_hours.reports")
def ledger(studio_id: int):
    """台账: announcement, sign-in list, reception records, referrals, feedback and callbacks for a
    studio and period; confidential words reduced to their category. Printable."""
    studio = require_on("office_hours.reports", studio_id)
    start, end = _window()
    lo = datetime.combine(start, time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=clock.SHANGHAI)
    receptions = db.session.scalars(select(Reception).where(Reception.studio_id == studio.id,
                                                            Reception.starts_at >= lo, Reception.starts_at < hi)
                                    .order_by(Reception.starts_at)).all()
    ids = [r.id for r in receptions] or [0]
    visits: dict[int, list] = {}
    for v in db.session.scalars(select(Visit).where(Visit.reception_id.in_(ids)).order_by(Visit.id)):
        visits.setdefault(v.reception_id, []).append(v)
    signins: dict[int, int] = dict(db.session.execute(select(Booking.reception_id, func.count()).where(
        Booking.reception_id.in_(ids), Booking.state.in_(("checked_in", "served"))).group_by(Booking.reception_id)).all())
    issue_rows = db.session.scalars(select(Issue).where(Issue.studio_id == studio.id, Issue.created_at >= lo,
                                                        Issue.created_at < hi).order_by(Issue.id)).all()
    return render_template("office_hours/ledger.html", studio=studio, receptions=receptions, visits=visits,
                           signins=signins, issues=issue_rows, start=start, end=end, categories=CATEGORIES,
                           istates=isvc.STATES, **labels())


def _events(receptions, names_by_reception, counts=None) -> list[dict]:
    out = []
    for r, studio in receptions:
        desc = "、".join(names_by_reception.get(r.id, []))
        if counts is not None:
            desc += f"（已预约 {counts.get(r.id, 0)} 人）"
        out.append({"reception": r, "summary": f"{studio.name} 代表接待", "location": studio.address or studio.name,
                    "description": desc})
    return out


def _host_names(ids) -> dict[int, list[str]]:
    rows = db.session.execute(select(Host.reception_id, Representative.kind, api.Person.name).join(
        Representative, (Representative.id == Host.representative_id) & (Representative.tenant_id == Host.tenant_id))
        .join(api.Person, (api.Person.id == Representative.person_id) & (api.Person.tenant_id == Representative.tenant_id))
        .where(Host.reception_id.in_(ids or [0]))).all()
    kinds = labels()["kinds"]
    out: dict[int, list[str]] = {}
    for rid, kind, name in rows:
        out.setdefault(rid, []).append(f"{kinds[kind]}{name}")
    return out


def _ics(body: str, name: str):
    resp = make_response(body)
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = f"inline; filename={name}.ics"
    return resp


@audience("public")
def studio_ical(studio_id: int):
    """The public studio feed: times, hosts' kinds and names, the address."""
    studio = api.get_or_404(Studio, studio_id)
    rows = db.session.scalars(select(Reception).where(Reception.studio_id == studio.id,
                                                      Reception.state != "planned").order_by(Reception.starts_at)
                              .limit(500)).all()
    body = ical.calendar(studio.name, api.tenant_slug(current().active), _events([(r, studio) for r in rows],
                                                                 _host_names([r.id for r in rows])))
    return _ics(body, f"studio-{studio.id}")


@requires("office_hours.reception.manage")
def new_feed_token(rep_id: int):
    """A new private feed link for a representative (the previous one stops working)."""
    rep = api.get_or_404(Representative, rep_id)
    unit = api.org_unit(rep.org_unit_id)
    if unit is None or not api.can("office_hours.reception.manage", unit):
        abort(403)
    now = clock.utcnow()
    for t in db.session.scalars(select(IcalToken).where(IcalToken.owner_type == "representative",
                                                        IcalToken.owner_id == rep.id, IcalToken.revoked_at.is_(None))):
        t.revoked_at = now
    token = secrets.token_urlsafe(24)
    db.session.add(IcalToken(owner_type="representative", owner_id=rep.id,
                             token_hash=hashlib.sha256(token.encode()).hexdigest()))
    db.session.commit()
    from flask import flash
    flash(url_for("office_hours.rep_ical", token=token, _external=True))
    return see_other(url_for("office_hours.studios"))


@audience("public")
def rep_ical(token: str):
    """A representative's private feed: adds booking counts, never residents' names."""
    row = db.session.scalar(select(IcalToken).where(IcalToken.token_hash == hashlib.sha256(token.encode()).hexdigest(),
                                                    IcalToken.revoked_at.is_(None)))
    if row is None:
        abort(404)
    rows = db.session.execute(select(Reception, Studio).join(Host, (Host.reception_id == Reception.id) &
                                                             (Host.tenant_id == Reception.tenant_id))
                              .join(Studio, (Studio.id == Reception.studio_id) & (Studio.tenant_id == Reception.tenant_id))
                              .where(Host.representative_id == row.owner_id).order_by(Reception.starts_at).limit(500)).all()
    ids = [r.id for r, _s in rows]
    counts = dict(db.session.execute(select(Booking.reception_id, func.count()).where(
        Booking.reception_id.in_(ids or [0]), Booking.state.in_(("confirmed", "checked_in", "served")))
        .group_by(Booking.reception_id)).all())
    return _ics(ical.calendar("我的接待", api.tenant_slug(current().active), _events(rows, _host_names(ids), counts)), "my-receptions")


@requires("office_hours.view")
def widget_next():
    mine = {s.id: s for s in visible_studios()}
    rows = db.session.scalars(select(Reception).where(Reception.studio_id.in_(list(mine) or [0]),
                                                      Reception.state.in_(("announced", "open")),
                                                      Reception.ends_at > clock.utcnow())
                              .order_by(Reception.starts_at).limit(5)).all()
    return render_template("office_hours/_widget_next.html", rows=rows, studios=mine)


@requires("office_hours.reports")
def widget_risk():
    mine = visible_studios("office_hours.reports")
    today = clock.local(clock.utcnow()).date()
    t = compliance_mod.table(mine, today.replace(day=1), today, risk_day=api.settings("office_hours")["risk_day"])
    risky = [s for s in mine if t[s.id] and not t[s.id][-1].kept]
    return render_template("office_hours/_widget_risk.html", risky=risky, total=len(mine))


@requires("office_hours.issue.triage")
def widget_overdue():
    mine = [s.id for s in visible_studios("office_hours.issue.triage")] or [0]
    rows = db.session.scalars(select(Issue).where(Issue.studio_id.in_(mine), Issue.overdue.is_(True),
                                                  Issue.state.in_(isvc.OPEN)).order_by(Issue.resolve_due).limit(5)).all()
    return render_template("office_hours/_widget_overdue.html", rows=rows)


@requires("office_hours.reports")
def widget_satisfaction():
    """Satisfaction over the last 90 days: unreachable callbacks are left out of the denominator."""
    since = clock.utcnow() - timedelta(days=90)
    counts = dict(db.session.execute(select(Callback.result, func.count()).where(Callback.created_at >= since)
                                     .group_by(Callback.result)).all())
    answered = sum(v for k, v in counts.items() if k != "unreachable")
    good = counts.get("satisfied", 0) + counts.get("basic", 0)
    return render_template("office_hours/_widget_satisfaction.html", counts=counts, answered=answered,
                           rate=round(100 * good / answered, 1) if answered else None)

