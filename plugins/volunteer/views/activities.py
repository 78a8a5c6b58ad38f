"""活动: list and publish, sign-up with waitlist, the check-in screen (签到屏) with its code, the
volunteer's check-in/out, and the roster staff tick for people without phones."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import clock, db, form_action, get_or_404, requires

from ..models import Activity, Registration, ServiceRecord, Volunteer
from ..models.activities import ACTIVITY_STATES, ACTIVITY_TYPES
from ..schemas import ActivityIn
from ..services import activities, people
from .common import act, communities, in_scope


def _context(**kw):
    rows = list(db.session.scalars(in_scope(select(Activity), Activity.org_unit_id)
                                   .order_by(Activity.starts_at.desc()).limit(100)))
    return {"activities": rows, "types": ACTIVITY_TYPES, "states": ACTIVITY_STATES,
            "communities": communities("volunteer.activity.manage"), "errors": {}, "form": {}, **kw}


@requires("volunteer.view")
def activities_page():
    return render_template("volunteer/activities.html", **_context())


@requires("volunteer.activity.manage")
def create_activity():
    return form_action(ActivityIn(), activities.create_activity, page="volunteer/activities.html",
                       fragment="volunteer/_activity_form.html", form_id="activity-form", context=_context,
                       done=lambda a: url_for("volunteer.activity", activity_id=a.id), message=_("已发布活动"))


def _detail(a: Activity, **kw):
    me = people.mine()
    mine = db.session.scalar(select(Registration).where(Registration.activity_id == a.id,
                                                        Registration.volunteer_id == me.id)) if me else None
    open_rec = db.session.scalar(select(ServiceRecord).where(ServiceRecord.activity_id == a.id,
                                                             ServiceRecord.volunteer_id == me.id,
                                                             ServiceRecord.state == "open")) if me else None
    unit = api.org_unit(a.org_unit_id)
    return {"a": a, "me": me, "mine": mine, "open_rec": open_rec, "types": ACTIVITY_TYPES, "states": ACTIVITY_STATES,
            "unit": unit, "manage": api.can("volunteer.activity.manage", unit),
            "assist": api.can("volunteer.checkin.assist", unit), "error": None, "message": None, **kw}


@requires("volunteer.view")
def activity(activity_id: int):
    a = get_or_404(Activity, activity_id)
    return render_template("volunteer/activity.html", **_detail(a))


def _mine_or_refuse() -> Volunteer:
    me = people.mine()
    if me is None:
        raise api.Refused(_("您还不是登记的志愿者"))
    return me


@requires("volunteer.view")
def signup(activity_id: int):
    a = get_or_404(Activity, activity_id)
    return act(lambda: activities.signup(a, _mine_or_refuse()), fragment="volunteer/_my_activity.html",
               context=lambda _r: _detail(db.session.get(Activity, a.id)),
               done=url_for("volunteer.activity", activity_id=a.id), message=_("已报名"))


@requires("volunteer.view")
def cancel_signup(activity_id: int):
    a = get_or_404(Activity, activity_id)

    def run():
        me = _mine_or_refuse()
        reg = db.session.scalar(select(Registration).where(Registration.activity_id == a.id,
                                                           Registration.volunteer_id == me.id))
        if reg is None or reg.state not in ("registered", "waitlisted"):
            raise api.Refused(_("您没有报名"))
        return activities.cancel_signup(reg)
    return act(run, fragment="volunteer/_my_activity.html", context=lambda _r: _detail(db.session.get(Activity, a.id)),
               done=url_for("volunteer.activity", activity_id=a.id), message=_("已取消报名"))


@requires("volunteer.view")
def check_in(activity_id: int):
    a = get_or_404(Activity, activity_id)
    code = (request.form.get("code") or "").strip()
    return act(lambda: activities.check_in(a, _mine_or_refuse(), code), fragment="volunteer/_my_activity.html",
               context=lambda _r: _detail(db.session.get(Activity, a.id)),
               done=url_for("volunteer.activity", activity_id=a.id), message=_("签到成功"))


@requires("volunteer.view")
def check_out(activity_id: int):
    a = get_or_404(Activity, activity_id)
    return act(lambda: activities.check_out(a, _mine_or_refuse()), fragment="volunteer/_my_activity.html",
               context=lambda _r: _detail(db.session.get(Activity, a.id)),
               done=url_for("volunteer.activity", activity_id=a.id), message=_("签退成功，服务时长待审核"))


@requires("volunteer.activity.manage")
def kiosk(activity_id: int):
    """签到屏: the organiser's phone shows the code and a QR of the check-in page (no GPS)."""
    a = get_or_404(Activity, activity_id)
    people.require("volunteer.activity.manage", a.org_unit_id)
    link = url_for("volunteer.activity", activity_id=a.id, code=a.checkin_code, _external=True)
    qr = None
    try:
        import segno
        qr = segno.make(link, micro=False).svg_inline(scale=6)
    except Exception:  # noqa: BLE001 - the code alone is enough to check in
        qr = None
    return render_template("volunteer/kiosk.html", a=a, qr=qr, link=link)


def _roster(a: Activity):
    rows = list(db.session.execute(select(Registration, Volunteer.name).join(
        Volunteer, Volunteer.id == Registration.volunteer_id).where(Registration.activity_id == a.id)
        .order_by(Registration.state, Registration.position)))
    return rows


@requires("volunteer.checkin.assist")
def roster(activity_id: int):
    a = get_or_404(Activity, activity_id)
    people.require("volunteer.checkin.assist", a.org_unit_id)
    return render_template("volunteer/roster.html", a=a, rows=_roster(a), now=clock.utcnow())


@requires("volunteer.checkin.assist")
def roster_tick(activity_id: int):
    a = get_or_404(Activity, activity_id)
    vol_id = api.as_id(request.form.get("volunteer_id", ""))

    def run():
        vol = db.session.get(Volunteer, vol_id) if vol_id else None
        if vol is None:
            raise api.Refused(_("没有这名志愿者"))
        return activities.roster_tick(a, vol)

    def row(_r):
        reg = db.session.scalar(select(Registration).where(Registration.activity_id == a.id,
                                                           Registration.volunteer_id == vol_id))
        name = db.session.scalar(select(Volunteer.name).where(Volunteer.id == vol_id))
        return {"a": a, "reg": reg, "name": name, "vid": vol_id}
    return act(run, fragment="volunteer/_roster_row.html", context=row,
               done=url_for("volunteer.roster", activity_id=a.id), message=_("已点名"))


@requires("volunteer.activity.manage")
def settle(activity_id: int):
    """Enter the number of residents served; the activity is settled."""
    a = get_or_404(Activity, activity_id)
    raw = (request.form.get("beneficiaries") or "").strip()
    n = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else None

    def run():
        people.require("volunteer.activity.manage", a.org_unit_id)
        if n is None or n > 100000:
            raise api.Refused(_("请填写服务群众人次"))
        a.beneficiaries_count, a.state = n, "settled"
        db.session.flush()
        return a
    return act(run, done=url_for("volunteer.activity", activity_id=a.id), message=_("已结算"))
