"""议事统计: the station figures, an XLSX export, and the dashboard widget."""
from __future__ import annotations

from flask import render_template

from core import api

from ..services import reports as svc


def page():
    figures = svc.combine([svc.stats()])
    return render_template("discussion/report.html", figures=figures, rows=svc.per_station())


def export():
    fmt = api.arg("format", str) or "xlsx"
    header = ["议事站", "季度数", "审定纪要的联席会议", "清单条目"]
    return api.sheets.download("xlsx" if fmt != "csv" else "csv", "议事站统计", header, svc.per_station())


def widget():
    figures = svc.combine([svc.stats()])
    return render_template("discussion/_widget.html", figures=figures)


def ledger(meeting_id: int):
    """The printable 台账 of one meeting, for the station's own staff."""
    from flask import abort

    from core.api import db, get_or_404

    from ..models import Meeting, Station
    from ..schemas import METHODS, ROLES
    from ..services import ledger as ledger_svc, meetings as meeting_svc
    m = get_or_404(Meeting, meeting_id)
    if not api.can("discussion.meeting.manage", api.org_unit(db.session.get(Station, m.station_id).org_unit_id)):
        abort(403)
    ctx = api.current()
    return render_template("discussion/ledger.html", **ledger_svc.meeting_ledger(m), roles=ROLES, methods=METHODS,
                           subjects=meeting_svc.SUBJECTS, outcomes=meeting_svc.OUTCOMES, states=meeting_svc.STATES,
                           printed_at=api.clock.utcnow(), printed_by=ctx.user_id)


def _year() -> int:
    from ..services import cycles
    this = cycles.today().year
    year = api.arg("year", int) or this
    return year if 2000 <= year <= this + 1 else this


def unit_report():
    from ..services import ledger as ledger_svc
    year = _year()
    rows = ledger_svc.unit_year(year)
    totals = {k: sum(r[k] for r in rows) for k in ("claims", "verified", "quantity", "listed", "projects")}
    active = len({r["unit"].uscc for r in rows if r["verified"] or r["claims"] or r["listed"] or r["projects"]})
    return render_template("discussion/unit_report.html", year=year, rows=rows, totals=totals, active=active,
                           units=len({r["unit"].uscc for r in rows}), printed_at=api.clock.utcnow())


def unit_report_export():
    from ..services import ledger as ledger_svc
    year = _year()
    return api.sheets.download("xlsx", f"共建单位年度报告{year}", ledger_svc.HEADER, ledger_svc.unit_year_rows(year))
