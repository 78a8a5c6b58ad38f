"""会计期间 (close a month, see its sealed totals) and 积分调整 with the second approver (双人复核)."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, flash, form_action, get_or_404, requires

from ..models import AccountingPeriod, SecondApproval, Volunteer
from ..models.activities import RECORD_STATES, SOURCES
from ..models.periods import (ACCOUNT_KINDS, CURRENCIES, OWNER_TYPES, PERIOD_STATES, REASON_CODES, REQUEST_KINDS,
                              REQUEST_STATES, TXN_TYPES)
from ..schemas import AdjustIn
from ..services import adjustments, periods
from .common import act, scope


def _month(value: str | None) -> date | None:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2200 and 1 <= month <= 12 else None
    except ValueError:
        return None


@requires("volunteer.period.close")
def periods_page():
    return render_template("volunteer/periods.html", months=periods.months(), states=PERIOD_STATES,
                           this_month=periods.month_of(periods.today()))


@requires("volunteer.period.close")
def start_closing():
    month = _month(request.form.get("month"))
    if month is None:
        abort(404)
    return act(lambda: periods.start_closing(month), done=lambda p: url_for("volunteer.period", period_id=p.id),
               message=_("已开始结账：请处理下列待审核记录后再结账"))


@requires("volunteer.period.close")
def period(period_id: int):
    p = get_or_404(AccountingPeriod, period_id)
    live = periods.totals(p)
    sealed = p.state == "closed"
    pending = periods.pending_records(p) if not sealed else []
    names = dict(db.session.execute(select(Volunteer.id, Volunteer.name).where(
        Volunteer.id.in_({r.volunteer_id for r in pending}))).all()) if pending else {}
    return render_template("volunteer/period.html", p=p, live=live, shown=p.totals if sealed else live,
                           checksum=periods.checksum(p) if sealed else "", pending=pending, names=names,
                           states=PERIOD_STATES, txn_types=TXN_TYPES, currencies=CURRENCIES,
                           record_states=RECORD_STATES, sources=SOURCES, next_month=periods.next_month(p.month))


@requires("volunteer.period.close")
def close_period(period_id: int):
    p = get_or_404(AccountingPeriod, period_id)

    def run():
        closed = periods.close(p)
        api.audit.record("volunteer.period_closed", "volunteer_period", p.id, month=p.month.isoformat(),
                         checksum=closed.export_checksum)
        return closed
    return act(run, done=url_for("volunteer.period", period_id=p.id),
               message=_("已结账：本期合计与导出校验值已封存"))


@requires("volunteer.period.close")
def cancel_closing(period_id: int):
    p = get_or_404(AccountingPeriod, period_id)
    return act(lambda: periods.reopen_closing(p), done=url_for("volunteer.period", period_id=p.id),
               message=_("已取消结账"))


@requires("volunteer.export")
def period_export(period_id: int):
    """The period's journal (XLSX); its last line is the checksum sealed at closing."""
    p = get_or_404(AccountingPeriod, period_id)
    header = [_("交易"), _("类型"), _("业务日期"), _("补记"), _("账户类型"), _("账户"), _("币种"), _("科目"),
              _("金额"), _("摘要")]
    rows = [[t, str(TXN_TYPES.get(k, k)), d, _("是") if late else "", str(OWNER_TYPES.get(o, o)), oid,
             str(CURRENCIES.get(c, c)), str(ACCOUNT_KINDS.get(kind, kind)), a, memo]
            for t, k, d, late, o, oid, c, kind, a, memo in periods.journal(p)]
    if p.state == "closed":
        rows.append([_("校验值"), p.export_checksum] + [""] * 8)
    api.audit.record("volunteer.export", "volunteer_period", p.id)
    db.session.commit()
    return api.sheets.download("xlsx", _("积分流水 %(month)s", month=p.month.strftime("%Y-%m")), header, rows)


# --- adjustments and the second approver ---------------------------------------------------------

def _adjust_context(vol: Volunteer):
    def context(**kw):
        from .people import volunteer_context
        return volunteer_context(vol, **kw)
    return context


@requires("volunteer.ledger.adjust")
def adjust(volunteer_id: int):
    vol = get_or_404(Volunteer, volunteer_id)

    def service(data: dict) -> SecondApproval:
        req = adjustments.adjust(vol, {**data, "points": data["points"] * 100})
        api.audit.record("volunteer.adjust", "volunteer_second_approval", req.id, txn_type=req.txn_type,
                         points=req.points, state=req.state)
        return req

    def done(req: SecondApproval):
        flash(_("已记账") if req.state == "approved" else _("超过 50 分，已提交他人复核"))
        return url_for("volunteer.volunteer", volunteer_id=vol.id)
    return form_action(AdjustIn(), service, page="volunteer/volunteer.html", fragment="volunteer/_adjust_form.html",
                       form_id="adjust-form", context=_adjust_context(vol), done=done)


def _requests_context():
    within = scope("volunteer.ledger.second_approve")
    rows = adjustments.pending(within) + adjustments.recent(within, limit=30)
    vol_ids = {q.volunteer_id for q in rows}
    names = dict(db.session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(vol_ids))).all())
    users = {q.requested_by for q in rows} | {q.decided_by for q in rows}
    who = {a.id: a.display_name or a.username for a in db.session.scalars(
        select(api.Account).where(api.Account.id.in_({u for u in users if u})))}
    return {"requests": rows, "names": names, "who": who, "kinds": REQUEST_KINDS, "req_states": REQUEST_STATES,
            "txn_types": TXN_TYPES, "reasons": REASON_CODES}


@requires("volunteer.ledger.second_approve")
def second_approvals():
    return render_template("volunteer/second_approvals.html", **_requests_context())


def _decide(request_id: int, approve: bool):
    req = get_or_404(SecondApproval, request_id)
    reason = (request.form.get("reason") or "").strip()[:200]

    def run():
        out = adjustments.decide(req, approve, reason)
        api.audit.record("volunteer.second_approval", "volunteer_second_approval", req.id,
                         decision="approved" if approve else "rejected", kind=req.kind)
        return out

    def row(_r=None):
        return {**_requests_context(), "q": db.session.get(SecondApproval, req.id)}
    return act(run, fragment="volunteer/_request_row.html", context=row, done=url_for("volunteer.second_approvals"),
               message=_("已复核通过并记账") if approve else _("已退回申请"))


@requires("volunteer.ledger.second_approve")
def approve_request(request_id: int):
    return _decide(request_id, True)


@requires("volunteer.ledger.second_approve")
def reject_request(request_id: int):
    return _decide(request_id, False)

