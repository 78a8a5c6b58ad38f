"""Calendar pages: platform admins load a year's State Council notice; tenant admins see the year
with its holidays and 调休 days and add their own changes (inherited by their streets)."""
from __future__ import annotations

import calendar as pycal
from datetime import date
from http import HTTPStatus

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select

from . import clock
from .audit.service import record, record_platform
from .auth.permissions import audience, requires
from .calendar import CalendarDay, CalendarOverride, WorkCalendar, load_notice
from .db import db
from .fields import CONTROL, in_range
from .params import arg, parse_year
from .tenancy.context import current
from .ui.render import flash, see_other

platform_bp = Blueprint("platform_calendar", __name__, url_prefix="/platform/calendar")
bp = Blueprint("calendar", __name__, url_prefix="/t/<tenant>/admin/calendar")


def _parse_lines(text: str, with_name: bool) -> list:
    """``2027-01-01 元旦`` per line (or just the date); a bad line raises ValueError with its number."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, _sep, name = line.partition(" ")
        try:
            d = date.fromisoformat(day)
        except ValueError as exc:
            raise ValueError(_("第 %(n)s 行的日期应写成 2027-01-01", n=n)) from exc
        if not in_range(d):
            raise ValueError(_("日期应在 1900 年至 2200 年之间"))
        out.append((d, name.strip() or _("法定节假日")) if with_name else d)
    return out


def _form_day(raw: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(_("日期应写成 2027-01-01")) from exc
    if not in_range(day):
        raise ValueError(_("日期应在 1900 年至 2200 年之间"))
    return day


@platform_bp.route("/", methods=["GET", "POST"])
@audience("platform")
def notices():
    """Years with national data: the holidays package's, and notices entered here."""
    years = sorted({d.year for d in db.session.scalars(select(CalendarDay.day))})
    if request.method == "GET":
        return render_template("calendar/notices.html", years=years, errors={}, form={})
    form = request.form
    try:
        year = int(form.get("year", ""))
        holidays_ = _parse_lines(form.get("holidays", ""), True)
        workdays = _parse_lines(form.get("workdays", ""), False)
        if not holidays_ or any(d.year != year for d, _n in holidays_) or any(d.year != year for d in workdays):
            raise ValueError(_("日期都应在 %(y)s 年内，且至少有一天假日", y=year))
    except ValueError as err:
        return render_template("calendar/notices.html", years=years, errors={"_": [str(err)]}, form=form), \
            HTTPStatus.UNPROCESSABLE_ENTITY
    load_notice(year, holidays_, workdays, form.get("notice_ref", "")[:100])
    record_platform("calendar.notice", None, year=year, holidays=len(holidays_), workdays=len(workdays))
    flash(_("已保存 %(y)s 年的放假安排", y=year))
    db.session.commit()
    return see_other(url_for("platform_calendar.notices"))


@bp.route("/", methods=["GET", "POST"])
@requires("core.calendar.edit")
def year_view():
    """The year as staff plan it: holidays, 调休 working days and this unit's own changes."""
    year = arg("year", parse_year) or clock.utcnow().astimezone(clock.SHANGHAI).year
    errors = {}
    status = HTTPStatus.OK
    if request.method == "POST":
        try:
            day = _form_day(request.form.get("day", ""))
            kind = request.form.get("day_type")
            if kind not in ("holiday", "workday"):
                raise ValueError(_("请选择放假或上班"))
            reason = request.form.get("reason", "").strip()[:200]
            if not reason:
                raise ValueError(_("请填写原因"))
            if CONTROL.search(reason):
                raise ValueError(_("不能包含换行、制表符等控制字符"))
        except ValueError as err:
            errors = {"_": [str(err)]}
            status = HTTPStatus.UNPROCESSABLE_ENTITY
        else:
            db.session.execute(delete(CalendarOverride).where(CalendarOverride.tenant_id == current().active,
                                                              CalendarOverride.day == day))
            db.session.add(CalendarOverride(tenant_id=current().active, day=day, day_type=kind, reason=reason))
            record("calendar.override", "calendar", day.isoformat(), day_type=kind)
            flash(_("已保存 %(day)s 的调整", day=day.isoformat()))
            db.session.commit()
            return see_other(url_for("calendar.year_view", year=day.year))
    cal = WorkCalendar.for_tenant(g.tenant)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycal.Calendar().monthdatescalendar(year, month):
            row = []
            for d in week:
                working, reason = cal.day(d)
                row.append({"day": d, "in_month": d.month == month, "working": working, "reason": reason,
                            "weekend": d.weekday() >= 5})
            weeks.append(row)
        months.append((month, weeks))
    overrides = db.session.scalars(select(CalendarOverride).where(CalendarOverride.tenant_id == current().active)
                                   .order_by(CalendarOverride.day.desc()).limit(50)).all()
    return render_template("calendar/year.html", year=year, months=months, complete=cal.complete(year),
                           overrides=overrides, errors=errors, form=request.form), status


