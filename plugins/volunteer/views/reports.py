"""报表: the seed's figures, the trial balance, XLSX exports, and the dashboard widgets."""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import func, select

from core import api
from core.api import db, requires

from ..models import Activity, ServiceRecord
from ..models.periods import ACCOUNT_KINDS, CURRENCIES, OWNER_TYPES
from ..services import records, reports
from .common import scope

EXPORTS = {
    "hours": ("服务时长", ["志愿者", "服务日期", "来源", "申报分钟", "计入分钟", "未计分钟", "状态"], reports.record_rows),
    "points": ("积分流水", ["交易", "类型", "业务日期", "账户类型", "账户", "币种", "科目", "金额", "摘要"],
               reports.journal_rows),
    "claims": ("岗位认领", ["岗位", "类别", "认领人", "状态", "认领日期", "期满"], reports.claim_rows),
}


@requires("volunteer.export")
def reports_page():
    return render_template("volunteer/reports.html", f=reports.figures(), trial=reports.trial_balance(),
                           exports=EXPORTS, currencies=CURRENCIES, owner_types=OWNER_TYPES, account_kinds=ACCOUNT_KINDS)


@requires("volunteer.export")
def export(kind: str):
    if kind not in EXPORTS:
        abort(404)
    title, header, rows = EXPORTS[kind]
    api.audit.record("volunteer.export", "volunteer_export", kind)
    db.session.commit()
    return api.sheets.download("xlsx", title, header, rows())


export = api.example_args(kind="hours")(export)


@requires("volunteer.record.approve")
def widget_pending():
    rows = records.pending(scope("volunteer.record.approve"), limit=500)
    return render_template("volunteer/_widget_pending.html", n=len(rows),
                           flagged=sum(1 for r in rows if r.anomaly_flags))


@requires("volunteer.view")
def widget_summary():
    from ..services.common import today
    t = today()
    month = db.session.scalar(select(func.coalesce(func.sum(ServiceRecord.minutes_credited), 0)).where(
        ServiceRecord.state == "approved", ServiceRecord.service_date >= t.replace(day=1))) or 0
    acts, served = db.session.execute(select(func.count(), func.coalesce(func.sum(Activity.beneficiaries_count), 0))
                                      .where(Activity.starts_at >= api.clock.utcnow().replace(
                                          month=1, day=1, hour=0, minute=0, second=0, microsecond=0))).one()
    f = reports.figures()
    from ..models import LedgerAccount
    debt = db.session.scalar(select(func.count()).select_from(LedgerAccount).where(LedgerAccount.in_debt.is_(True)))
    return render_template("volunteer/_widget_summary.html", hours=month / 60, acts=acts, served=served, f=f, debt=debt)
