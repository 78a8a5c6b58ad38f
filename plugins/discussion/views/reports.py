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
