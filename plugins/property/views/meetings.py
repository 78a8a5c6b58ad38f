"""四方联席会议: schedule (open actions of earlier meetings carried onto the agenda), attendance by party
role, minutes approved and locked, resolution lines that become a ticket, a grid event, a co-building
demand or a task (``hx-post`` returns the action's chip), and the quarterly compliance report."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import OrgUnit, db, form_action, get_or_404

from ..models.meetings import JointMeeting, MeetingAction
from ..schemas_money import ActionIn, CloseIn, MeetingIn, NoteIn, RecordIn
from ..services import meetings as svc
from ..services.scope import today


def _labels() -> dict:
    return {"state_labels": svc.STATE_LABELS, "kind_labels": svc.KIND_LABELS,
            "action_state_labels": svc.ACTION_STATE_LABELS, "parties": svc.parties()}


def _index_context(**kw) -> dict:
    communities = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community").order_by(OrgUnit.path)))
    compounds = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "compound").order_by(OrgUnit.path)))
    rows = list(db.session.scalars(select(JointMeeting).order_by(JointMeeting.scheduled_at.desc()).limit(200)))
    names = {c.id: c.name for c in communities}
    # compound names repeat across communities, so the picker lists them under their community
    by_community = {c.id: [k for k in compounds if f"/{c.id}/" in (k.path or "")] for c in communities}
    return {"rows": rows, "communities": communities, "compounds": compounds, "names": names,
            "by_community": by_community, "errors": {},
            "form": {}, **_labels(), **kw}


def index():
    return render_template("property/meeting_list.html", **_index_context())


def schedule():
    def act(data):
        data["compound_ids"] = [int(x) for x in request.form.getlist("compound_ids") if x.isdigit()]
        return svc.schedule(data)
    return form_action(MeetingIn(), act, page="property/meeting_list.html", fragment="property/meeting_list.html",
                       form_id="meeting-form", context=lambda **kw: _index_context(**kw),
                       done=lambda m: url_for("property.meeting", meeting_id=m.id), message=_("已安排四方联席会议"))


def _context(m: JointMeeting, **kw) -> dict:
    actions = list(db.session.scalars(select(MeetingAction).where(MeetingAction.meeting_id == m.id)
                                      .order_by(MeetingAction.order_no)))
    carried = list(db.session.scalars(select(MeetingAction).where(MeetingAction.id.in_(m.carried_action_ids or [])))) \
        if m.carried_action_ids else []
    compounds = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_(m.compound_ids or [0]))).all())
    return {"m": m, "community": api.org_unit(m.community_id), "actions": actions, "carried": carried,
            "compound_names": compounds, "errors": {}, "form": {}, **_labels(), **kw}


def meeting(meeting_id: int):
    m = get_or_404(JointMeeting, meeting_id)
    unit = api.org_unit(m.community_id)
    if unit is None or not api.can("property.meeting.manage", unit):
        abort(404)
    return render_template("property/meeting_detail.html", **_context(m))


def _meeting_action(schema, service, message, form_id="meeting-actions"):
    def view(meeting_id: int):
        m = get_or_404(JointMeeting, meeting_id)
        return form_action(schema, lambda data: service(m, data), page="property/meeting_detail.html",
                           fragment="property/meeting_detail.html", form_id=form_id,
                           context=lambda **kw: _context(m, **kw),
                           done=lambda _r: url_for("property.meeting", meeting_id=m.id), message=message)
    return view


def _record(m, data):
    data["present"] = request.form.getlist("present")
    data["names"] = {k[5:]: v for k, v in request.form.items() if k.startswith("name_")}
    return svc.record(m, data)


record = _meeting_action(RecordIn(), _record, _("参会情况和纪要已保存"))
approve = _meeting_action(NoteIn(), lambda m, d: svc.approve(m), _("会议纪要已审定锁定"))
cancel = _meeting_action(NoteIn(), lambda m, d: svc.cancel(m), _("会议已取消"))


def add_action(meeting_id: int):
    """One resolution line; htmx gets the new action's row (with its linked chip) back."""
    m = get_or_404(JointMeeting, meeting_id)
    if api.is_fragment_request("action-rows"):
        try:
            data = ActionIn().load(api.form_data())
            svc.add_action(m, data)
        except Exception as exc:  # noqa: BLE001
            from marshmallow import ValidationError

            from core.api import Refused
            if not isinstance(exc, (ValidationError, Refused)):
                raise
            db.session.rollback()
            errors = {"_": [str(exc)]} if isinstance(exc, Refused) else exc.messages
            return render_template("property/_meeting_actions.html", **_context(m, errors=errors,
                                                                                  form=request.form)), 422
        db.session.commit()
        return render_template("property/_meeting_actions.html", **_context(m))
    return _meeting_action(ActionIn(), svc.add_action, _("议定事项已记录"), form_id="action-form")(meeting_id)


def close_action(action_id: int):
    a = get_or_404(MeetingAction, action_id)
    m = db.session.get(JointMeeting, a.meeting_id)
    return form_action(CloseIn(), lambda data: svc.close_action(a, data["result"], data["state"]),
                       page="property/meeting_detail.html", fragment="property/meeting_detail.html",
                       form_id="action-rows", context=lambda **kw: _context(m, **kw),
                       done=lambda _r: request.form.get("next") and url_for("property.meeting_report")
                       or url_for("property.meeting", meeting_id=m.id), message=_("事项已办结"))


def report():
    t = today()
    year = api.arg("year", int) or t.year
    quarter = api.arg("quarter", int) or (t.month - 1) // 3 + 1
    if quarter not in (1, 2, 3, 4):
        abort(400)
    return render_template("property/meeting_report.html", rows=svc.compliance(year, quarter), year=year,
                           quarter=quarter, **_labels())


__all__ = ["index", "schedule", "meeting", "record", "approve", "cancel", "add_action", "close_action", "report",
           "date"]
